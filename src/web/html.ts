import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Answers with a whole HTML page, with the doctype that keeps browsers in standards mode. */
export function respondPage(c: Context, page: unknown, status: ContentfulStatusCode = 200) {
  return c.html(`<!DOCTYPE html>${String(page)}`, status);
}

/** Answers with a part of a page, for htmx to swap in. */
export function respondFragment(c: Context, fragment: unknown, status: ContentfulStatusCode = 200) {
  return c.html(String(fragment), status);
}
