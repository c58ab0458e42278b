import { createHash } from "node:crypto";
import htmx from "htmx.org/dist/htmx.min.js" with { type: "text" };
import stylesheet from "../../static/app.css" with { type: "text" };
import script from "../../static/app.js" with { type: "text" };
import favicon from "../../static/favicon.svg" with { type: "text" };
import icons from "../../static/icons.svg" with { type: "text" };
import type { AssetUrls } from "../views/layout/document.tsx";

/**
 * The files the pages use. Imported as text, so `bun build --compile` embeds them in the
 * executable: a page never depends on a file beside the executable or on the internet.
 */
const FILES: Record<keyof AssetUrls, { name: string; body: string; type: string }> = {
  stylesheet: { name: "app.css", body: stylesheet, type: "text/css; charset=utf-8" },
  favicon: { name: "favicon.svg", body: favicon, type: "image/svg+xml" },
  icons: { name: "icons.svg", body: icons, type: "image/svg+xml" },
  htmx: { name: "htmx.min.js", body: htmx, type: "text/javascript; charset=utf-8" },
  script: { name: "app.js", body: script, type: "text/javascript; charset=utf-8" },
};

export interface Asset {
  body: string;
  type: string;
  /** Short content hash: part of the URL and the ETag, so a new version is never served stale. */
  hash: string;
}

export interface Assets {
  /** The file served as `/static/NAME`, or undefined. */
  find(name: string): Asset | undefined;
  /** The URL of each file, versioned by its content so browsers may cache it for a year. */
  urls: AssetUrls;
}

/** Hashes the embedded files once, when the web app is made. */
export function loadAssets(): Assets {
  const byName = new Map<string, Asset>();
  const urls = {} as AssetUrls;
  for (const [key, file] of Object.entries(FILES) as [keyof AssetUrls, (typeof FILES)[keyof AssetUrls]][]) {
    const hash = createHash("sha256").update(file.body).digest("hex").slice(0, 12);
    byName.set(file.name, { body: file.body, type: file.type, hash });
    urls[key] = `/static/${file.name}?v=${hash}`;
  }
  return { find: (name) => byName.get(name), urls };
}
