import { readFileSync } from "node:fs";
import htmxPath from "htmx.org/dist/htmx.min.js" with { type: "file" };
import cssPath from "../../static/app.css" with { type: "file" };
import appJsPath from "../../static/app.js" with { type: "file" };
import faviconPath from "../../static/favicon.svg" with { type: "file" };
import iconsPath from "../../static/icons.svg" with { type: "file" };

/**
 * The files the pages use. `with { type: "file" }` makes `bun build --compile` embed them in the
 * executable; from source the same imports give their paths on disk. They are read once at
 * start, so a page never depends on a file beside the executable or on the internet.
 */
const SOURCES = {
  "htmx.min.js": { path: htmxPath, type: "text/javascript; charset=utf-8" },
  "app.css": { path: cssPath, type: "text/css; charset=utf-8" },
  "app.js": { path: appJsPath, type: "text/javascript; charset=utf-8" },
  "favicon.svg": { path: faviconPath, type: "image/svg+xml" },
  "icons.svg": { path: iconsPath, type: "image/svg+xml" },
} as const;

export type AssetName = keyof typeof SOURCES;

export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  /** Short content hash: part of the URL and the ETag, so a new version is never served stale. */
  hash: string;
}

let loaded: Map<string, Asset> | null = null;

function assets(): Map<string, Asset> {
  if (loaded) return loaded;
  loaded = new Map();
  for (const [name, source] of Object.entries(SOURCES)) {
    const body: Uint8Array<ArrayBuffer> = new Uint8Array(readFileSync(source.path));
    const hash = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 12);
    loaded.set(name, { body, type: source.type, hash });
  }
  return loaded;
}

export function findAsset(name: string): Asset | undefined {
  return assets().get(name);
}

/** The URL of an asset, versioned by its content so browsers may cache it for a year. */
export function assetUrl(name: AssetName): string {
  const asset = assets().get(name);
  return `/static/${name}?v=${asset?.hash ?? "0"}`;
}
