import { Hono } from "hono";
import { findAsset } from "../../views/assets.ts";
import { notFound } from "../errors.tsx";

/** Embedded CSS, icons and htmx; versioned URLs, so they are cached for a year. */
export function staticRoutes() {
  return new Hono().get("/static/:name", (c) => {
    const asset = findAsset(c.req.param("name"));
    if (!asset) return notFound(c);
    const etag = `"${asset.hash}"`;
    const headers = {
      "Cache-Control": "public, max-age=31536000, immutable",
      ETag: etag,
      "Content-Type": asset.type,
    };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    return c.body(asset.body, 200, headers);
  });
}
