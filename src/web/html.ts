import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { withAlerts } from "../views/layout/alerts.tsx";
import type { AppEnv } from "./context.ts";

const SEE_OTHER = 303;
const NO_CONTENT = 204;

/** True for a request htmx sent (it answers with a part of a page, or headers htmx acts on). */
export const isHtmx = (c: Context) => c.req.header("hx-request") === "true";

/**
 * Answers with a whole HTML page, with the doctype that keeps browsers in standards mode; the
 * alerts of the moment go with it, for the banner of a signed-in page.
 */
export function respondPage(c: Context<AppEnv>, page: unknown, status?: ContentfulStatusCode) {
  const alerts = c.get("alerts")?.() ?? [];
  return c.html(`<!DOCTYPE html>${String(withAlerts(alerts, page))}`, status);
}

/** Answers with a part of a page, for htmx to swap in. */
export function respondFragment(c: Context, fragment: unknown, status?: ContentfulStatusCode) {
  return c.html(String(fragment), status);
}

/** Sends the browser on with a GET, so reloading the page it lands on never posts a form again. */
export function redirectTo(c: Context, location: string) {
  return c.redirect(location, SEE_OTHER);
}

/** Answers that it is done, with nothing to show. */
export function respondNoContent(c: Context) {
  return c.body(null, NO_CONTENT);
}
