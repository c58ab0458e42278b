import { Hono } from "hono";
import type { Assets } from "../assets.ts";
import { notFound } from "../http-errors.ts";

const NOT_MODIFIED = 304;

/** Embedded CSS, icons and htmx; versioned URLs, so they are cached for a year. */
export function staticRoutes(assets: Assets) {
  return new Hono().get("/static/:name", (c) => {
    const asset = assets.find(c.req.param("name"));
    if (!asset) throw notFound(c.req.path);
    const etag = `"${asset.hash}"`;
    const headers = {
      "Cache-Control": "public, max-age=31536000, immutable",
      ETag: etag,
      "Content-Type": asset.type,
    };
    if (c.req.header("if-none-match") === etag) return c.body(null, NOT_MODIFIED, headers);
    return c.body(asset.body, { headers });
  });
}
