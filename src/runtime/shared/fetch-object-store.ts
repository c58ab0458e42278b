import type { ObjectStore, ObjectStoreOptions, StoredObject } from "../types.ts";
import { objectStoreFailure } from "./object-store-errors.ts";
import { canonicalQuery, signedHeaders, uriEncode } from "./sigv4.ts";
import { mapStreamErrors } from "./streams.ts";

/** How the store talks: parts of an upload, keys per page of a listing. */
export interface FetchStoreTuning {
  /** At least 5 MiB (S3's smallest part but the last); one part is held in memory at a time. */
  partSize?: number;
  pageSize?: number;
}

const xmlText = (xml: string, tag: string) =>
  new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1] ?? null;
const unescapeXml = (text: string) =>
  text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (all, name: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };
    if (named[name.toLowerCase()]) return named[name.toLowerCase()] as string;
    const code = name[1]?.toLowerCase() === "x" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return Number.isFinite(code) ? String.fromCodePoint(code) : all;
  });

/** What is read of a stream (Bun's and Node's typings of a reader differ beyond this). */
type Reader = { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }> };

/** Reads up to `size` bytes from `reader` into one buffer; fewer only at the end of the stream. */
async function readPart(reader: Reader, size: number, carry: Uint8Array[]) {
  const chunks = carry.splice(0);
  let length = chunks.reduce((n, c) => n + c.byteLength, 0);
  let done = false;
  while (length < size) {
    const { done: ended, value } = await reader.read();
    if (ended || !value) {
      done = true;
      break;
    }
    chunks.push(value);
    length += value.byteLength;
  }
  const part = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    part.set(chunk, at);
    at += chunk.byteLength;
  }
  // What went past the part's size starts the next one.
  if (length > size) carry.push(part.subarray(size));
  return { part: part.subarray(0, Math.min(size, length)), done: done && carry.length === 0 };
}

/**
 * An `ObjectStore` on `fetch` and SigV4, for a runtime without an S3 client of its own: path-style
 * requests; a stream is uploaded in parts (multipart upload, one part in memory at a time,
 * aborted when a part fails), or in one request when it fits in one part.
 */
export function openFetchObjectStore(
  options: ObjectStoreOptions,
  tuning: FetchStoreTuning = {},
): ObjectStore {
  const partSize = tuning.partSize ?? 8 * 1024 * 1024;
  const pageSize = tuning.pageSize ?? 1000;
  const base = new URL(options.endpoint);
  const urlOf = (key: string | null, query: Record<string, string> = {}) => {
    const path = `/${uriEncode(options.bucket)}${key === null ? "" : `/${key.split("/").map(uriEncode).join("/")}`}`;
    const url = new URL(path, base);
    url.search = canonicalQuery(query);
    return url;
  };

  async function send(method: string, url: URL, body?: Uint8Array | string): Promise<Response> {
    const headers = signedHeaders({ method, url }, options, new Date());
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      throw objectStoreFailure(error instanceof Error ? error.message : String(error), "NetworkError", error);
    }
    if (response.ok) return response;
    const xml = await response.text().catch(() => "");
    const code =
      xmlText(xml, "Code") ??
      (response.status === 404 ? "NotFound" : response.status === 403 ? "AccessDenied" : null);
    throw objectStoreFailure(xmlText(xml, "Message") ?? `${method} answered ${response.status}`, code);
  }

  async function putInParts(key: string, reader: Reader, first: Uint8Array, carry: Uint8Array[]) {
    const started = await (await send("POST", urlOf(key, { uploads: "" }))).text();
    const uploadId = unescapeXml(xmlText(started, "UploadId") ?? "");
    const parts: string[] = [];
    try {
      let part = first;
      for (let done = false; ; ) {
        const url = urlOf(key, { partNumber: String(parts.length + 1), uploadId });
        parts.push((await send("PUT", url, part)).headers.get("etag") ?? "");
        if (done) break;
        ({ part, done } = await readPart(reader, partSize, carry));
        if (part.byteLength === 0) break;
      }
      const list = parts.map(
        (etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`,
      );
      const body = `<CompleteMultipartUpload>${list.join("")}</CompleteMultipartUpload>`;
      const answer = await (await send("POST", urlOf(key, { uploadId }), body)).text();
      // S3 may answer 200 and still report a failure in the body.
      if (answer.includes("<Error>"))
        throw objectStoreFailure(xmlText(answer, "Message") ?? "upload failed", xmlText(answer, "Code"));
    } catch (error) {
      await send("DELETE", urlOf(key, { uploadId })).catch(() => {});
      throw error;
    }
  }

  return {
    async list(prefix) {
      const found: StoredObject[] = [];
      let token: string | null = null;
      do {
        const query: Record<string, string> = { "list-type": "2", prefix, "max-keys": String(pageSize) };
        if (token) query["continuation-token"] = token;
        const xml = await (await send("GET", urlOf(null, query))).text();
        for (const [, entry = ""] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
          found.push({
            key: unescapeXml(xmlText(entry, "Key") ?? ""),
            size: Number(xmlText(entry, "Size") ?? 0),
          });
        }
        token =
          xmlText(xml, "IsTruncated") === "true"
            ? unescapeXml(xmlText(xml, "NextContinuationToken") ?? "")
            : null;
      } while (token);
      return found;
    },
    async put(key, body) {
      if (typeof body === "string") return void (await send("PUT", urlOf(key), body));
      const reader = body.getReader();
      const carry: Uint8Array[] = [];
      try {
        const first = await readPart(reader, partSize, carry);
        if (first.done) await send("PUT", urlOf(key), first.part);
        else await putInParts(key, reader, first.part, carry);
      } catch (error) {
        await reader.cancel(error).catch(() => {});
        throw error;
      }
    },
    async get(key) {
      const response = await send("GET", urlOf(key));
      const stream = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      return mapStreamErrors(stream, (error) =>
        objectStoreFailure(error instanceof Error ? error.message : String(error), "NetworkError", error),
      );
    },
    async delete(key) {
      try {
        await send("DELETE", urlOf(key));
      } catch (error) {
        if ((error as { problem?: string }).problem !== "not_found") throw error;
      }
    },
  };
}
