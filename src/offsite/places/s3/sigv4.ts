import { createHash, createHmac } from "node:crypto";

/** Who signs, and for which region: AWS Signature Version 4 for the `s3` service. */
export interface SigningKeys {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** Percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (RFC 3986). */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A query as SigV4 orders it: encoded names and values, sorted; send it exactly so. */
export function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/**
 * The headers that sign a request to S3 with SigV4 (`authorization`, `x-amz-date`,
 * `x-amz-content-sha256`; the payload is not signed, as S3 allows). `url` must carry its path
 * and query encoded as `uriEncode` and `canonicalQuery` do. `host` is signed but not returned:
 * the HTTP client sends it from the URL.
 */
export function signedHeaders(
  request: { method: string; url: URL; headers?: Record<string, string> },
  keys: SigningKeys,
  now: Date,
): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
    "x-amz-date": amzDate,
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  const all: Record<string, string> = { ...headers, host: request.url.host };
  const names = Object.keys(all).sort();
  const canonical = [
    request.method,
    request.url.pathname,
    request.url.search.slice(1),
    names.map((n) => `${n}:${(all[n] ?? "").trim().replace(/\s+/g, " ")}\n`).join(""),
    names.join(";"),
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const scope = `${day}/${keys.region}/s3/aws4_request`;
  const toSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    createHash("sha256").update(canonical).digest("hex"),
  ].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${keys.secretAccessKey}`, day), keys.region), "s3"), "aws4_request");
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}
