import { assemblyMs, bodyOf, readBody, S3Failure, type S3Http } from "./http.ts";
import { xmlElements, xmlText } from "./xml.ts";

export interface StoredObject {
  key: string;
  size: number;
}

/** An upload begun and not completed: what S3 keeps (and bills) until it is aborted. */
export interface PendingUpload {
  key: string;
  uploadId: string;
  /** When it began, as the service says (ISO 8601), or null. */
  initiated: string | null;
}

/** Hears of each multipart upload as it begins and as it ends (completed or aborted), to keep their ids. */
export interface UploadWatch {
  started(key: string, uploadId: string): Promise<void>;
  ended(uploadId: string): Promise<void>;
}

/** How the store talks to the service; the defaults suit a real one, tests make them small. */
export interface StoreTuning {
  /** At least 5 MiB (S3's smallest part but the last); one part is held in memory at a time. */
  partSize?: number;
  /** Keys asked for per page of a listing. */
  pageSize?: number;
  /** The most keys (and pages) a listing may bring before it is refused. */
  maxKeys?: number;
  maxPages?: number;
}

/** What one page of a listing may be: a thousand keys are a few hundred KiB. */
const PAGE_LIMIT = 8 * 1024 * 1024;
const ANSWER_LIMIT = 1024 * 1024;
/** S3's own longest key; a longer name in a listing is not one the app wrote. */
const MAX_KEY_BYTES = 1024;

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
 * One bucket of an S3-compatible service, with the calls off-site copies make: every request
 * bounded in time (`S3Http`) and every listing bounded in pages and keys. Every method rejects with
 * `S3Failure`.
 */
export class S3Store {
  readonly #http: S3Http;
  readonly #partSize: number;
  readonly #pageSize: number;
  readonly #maxKeys: number;
  readonly #maxPages: number;

  constructor(http: S3Http, tuning: StoreTuning = {}) {
    this.#http = http;
    this.#partSize = tuning.partSize ?? 8 * 1024 * 1024;
    this.#pageSize = tuning.pageSize ?? 1000;
    this.#maxKeys = tuning.maxKeys ?? 100_000;
    this.#maxPages = tuning.maxPages ?? 1000;
  }

  async #text(response: Response, limit: number, signal?: AbortSignal, extraMs = 0): Promise<string> {
    return readBody(response, limit, this.#http.timeouts, signal, extraMs);
  }

  /**
   * Every object whose key starts with `prefix` (all pages), in key order. A listing that is not
   * an S3 listing, that repeats a page, or that passes `maxKeys` or `maxPages` (or their bytes), is
   * refused; a key longer than S3 allows (1024 bytes) is someone else's and left out.
   */
  async list(prefix: string, signal?: AbortSignal): Promise<StoredObject[]> {
    const found: StoredObject[] = [];
    const seen = new Set<string>();
    let token: string | null = null;
    const tooMany = () => new S3Failure("too_many", { what: `more than ${this.#maxKeys} objects` });
    for (let page = 0; ; page++) {
      if (page >= this.#maxPages) throw tooMany();
      const query: Record<string, string> = { "list-type": "2", prefix, "max-keys": String(this.#pageSize) };
      if (token !== null) query["continuation-token"] = token;
      const answer = await this.#http.send({ method: "GET", key: null, query, signal });
      const xml = await this.#text(answer, PAGE_LIMIT, signal);
      if (!xml.includes("<ListBucketResult"))
        throw new S3Failure("not_s3", { status: answer.status, what: "no listing" });
      for (const entry of xmlElements(xml, "Contents")) {
        const key = xmlText(entry, "Key");
        const size = Number(xmlText(entry, "Size"));
        if (!key?.startsWith(prefix) || Buffer.byteLength(key) > MAX_KEY_BYTES) continue;
        if (!Number.isSafeInteger(size) || size < 0) continue;
        // A copy of its own: the page it came from is not kept alive through it.
        found.push({ key: Buffer.from(key).toString(), size });
        if (found.length > this.#maxKeys) throw tooMany();
      }
      if (xmlText(xml, "IsTruncated") !== "true") return found;
      token = xmlText(xml, "NextContinuationToken");
      if (!token || Buffer.byteLength(token) > MAX_KEY_BYTES || seen.has(token))
        throw new S3Failure("not_s3", { what: "the listing does not end" });
      seen.add(token);
    }
  }

  /**
   * Stores `body` under `key`, replacing what was there. A stream longer than one part goes up as a
   * multipart upload (one part in memory at a time), which `watch` hears of; a failed one is
   * aborted. A real S3 service then leaves no object behind.
   */
  async put(
    key: string,
    body: ReadableStream<Uint8Array> | Uint8Array | string,
    options: { contentType: string; watch?: UploadWatch; signal?: AbortSignal | undefined },
  ): Promise<void> {
    const { contentType, signal } = options;
    if (typeof body === "string" || body instanceof Uint8Array) {
      await this.#stored(await this.#http.send({ method: "PUT", key, body, contentType, signal }));
      return;
    }
    const reader = body.getReader();
    const carry: Uint8Array[] = [];
    try {
      const first = await readPart(reader, this.#partSize, carry);
      if (first.done)
        await this.#stored(
          await this.#http.send({ method: "PUT", key, body: first.part, contentType, signal }),
        );
      else
        await this.#putInParts({
          key,
          contentType,
          reader,
          first: first.part,
          carry,
          watch: options.watch,
          signal,
        });
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      throw error;
    }
  }

  async #putInParts(upload: {
    key: string;
    contentType: string;
    reader: Reader;
    first: Uint8Array;
    carry: Uint8Array[];
    watch: UploadWatch | undefined;
    signal: AbortSignal | undefined;
  }): Promise<void> {
    const { key, reader, carry, watch, signal } = upload;
    const begun = await this.#http.send({
      method: "POST",
      key,
      query: { uploads: "" },
      contentType: upload.contentType,
      signal,
    });
    const uploadId = xmlText(await this.#text(begun, ANSWER_LIMIT, signal), "UploadId");
    if (!uploadId || Buffer.byteLength(uploadId) > MAX_KEY_BYTES)
      throw new S3Failure("not_s3", { what: "no upload id in the answer" });
    await watch?.started(key, uploadId);
    try {
      const etags: string[] = [];
      let part = upload.first;
      let bytes = 0;
      for (let done = false; ; ) {
        bytes += part.byteLength;
        const query = { partNumber: String(etags.length + 1), uploadId };
        etags.push(
          await this.#stored(await this.#http.send({ method: "PUT", key, query, body: part, signal })),
        );
        if (done) break;
        ({ part, done } = await readPart(reader, this.#partSize, carry));
        if (part.byteLength === 0) break;
      }
      const list = etags.map(
        (etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`,
      );
      // The service joins the parts before it answers (or sends spaces meanwhile): time for that.
      const joining = assemblyMs(bytes);
      const finished = await this.#http.send({
        method: "POST",
        key,
        query: { uploadId },
        body: `<CompleteMultipartUpload>${list.join("")}</CompleteMultipartUpload>`,
        contentType: "application/xml",
        signal,
        extraMs: joining,
      });
      // S3 may answer 200 and still report a failure in the body.
      const answer = await this.#text(finished, ANSWER_LIMIT, signal, joining);
      if (answer.includes("<Error>")) throw new S3Failure("other", { what: "the upload was not completed" });
    } catch (error) {
      // Aborted even when the run is being given up: its own short wait, not the run's.
      await this.abortUpload(key, uploadId)
        .then(() => watch?.ended(uploadId))
        .catch(() => {});
      throw error;
    }
    await watch?.ended(uploadId);
  }

  /**
   * The ETag of what an upload stored: every S3 service answers one; an answer without it (a web
   * server that says 200 to anything) is not an S3 service's.
   */
  async #stored(answer: Response): Promise<string> {
    await answer.body?.cancel().catch(() => {});
    const etag = answer.headers.get("etag");
    if (!etag || !/^[\x21-\x7e]{1,256}$/.test(etag) || /[<>&]/.test(etag))
      throw new S3Failure("not_s3", { status: answer.status, what: "no ETag" });
    return etag;
  }

  /**
   * Ends an upload begun and not completed; one that is gone already is no error, nor is a
   * service that has no such call (405, 501: it keeps no parts of uploads it does not complete).
   */
  async abortUpload(key: string, uploadId: string, signal?: AbortSignal): Promise<void> {
    try {
      const answer = await this.#http.send({ method: "DELETE", key, query: { uploadId }, signal });
      await answer.body?.cancel().catch(() => {});
    } catch (error) {
      const gone =
        error instanceof S3Failure &&
        (error.problem === "no_upload" ||
          error.problem === "not_found" ||
          error.status === 405 ||
          error.status === 501);
      if (!gone) throw error;
    }
  }

  /**
   * The uploads under `prefix` begun and not completed (ListMultipartUploads, every page, bounded
   * as a listing is); null when the service does not list them.
   */
  async pendingUploads(prefix: string, signal?: AbortSignal): Promise<PendingUpload[] | null> {
    const found: PendingUpload[] = [];
    let markers: { key: string; upload: string } | null = null;
    for (let page = 0; ; page++) {
      if (page >= this.#maxPages || found.length > this.#maxKeys)
        throw new S3Failure("too_many", { what: `more than ${this.#maxKeys} uploads` });
      const query: Record<string, string> = { uploads: "", prefix };
      if (markers) Object.assign(query, { "key-marker": markers.key, "upload-id-marker": markers.upload });
      let xml: string;
      try {
        xml = await this.#text(
          await this.#http.send({ method: "GET", key: null, query, signal }),
          PAGE_LIMIT,
          signal,
        );
      } catch (error) {
        if (error instanceof S3Failure && (error.problem === "other" || error.problem === "not_s3"))
          return null;
        throw error;
      }
      if (!xml.includes("<ListMultipartUploadsResult")) return null;
      for (const entry of xmlElements(xml, "Upload")) {
        const key = xmlText(entry, "Key");
        const uploadId = xmlText(entry, "UploadId");
        if (key?.startsWith(prefix) && uploadId)
          found.push({ key, uploadId, initiated: xmlText(entry, "Initiated") });
      }
      if (xmlText(xml, "IsTruncated") !== "true") return found;
      const next = {
        key: xmlText(xml, "NextKeyMarker") ?? "",
        upload: xmlText(xml, "NextUploadIdMarker") ?? "",
      };
      if (!next.key || (markers && next.key === markers.key && next.upload === markers.upload))
        throw new S3Failure("not_s3", { what: "the list of uploads does not end" });
      markers = next;
    }
  }

  /** The object's bytes as a stream, failing when no chunk comes for the idle time; a missing object rejects. */
  async get(key: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.#http.send({ method: "GET", key, signal });
    return bodyOf(response, this.#http.timeouts.idleMs, signal);
  }

  /** Deletes the object; deleting a missing one succeeds. */
  async delete(key: string, signal?: AbortSignal): Promise<void> {
    try {
      const answer = await this.#http.send({ method: "DELETE", key, signal });
      await answer.body?.cancel().catch(() => {});
    } catch (error) {
      if (!(error instanceof S3Failure && error.problem === "not_found")) throw error;
    }
  }
}
