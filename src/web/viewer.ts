import type { Context } from "hono";
import type { PageProps, Viewer } from "../views/layout/layout.tsx";
import type { AppEnv } from "./context.ts";

/** The signed-in person of a route that the access table opened to signed-in users only. */
export function viewerOf(c: Context<AppEnv>): Viewer {
  const session = c.get("session");
  if (!session) throw new Error("viewerOf() on a route open to anonymous visitors");
  return { username: session.user.username, role: session.user.role, csrfToken: session.csrfToken };
}

/** What every page of a signed-in person needs: the viewer, the asset URLs and the time now. */
export function pagePropsOf(c: Context<AppEnv>): PageProps {
  return { viewer: viewerOf(c), assets: c.get("assets"), now: c.get("clock")() };
}
