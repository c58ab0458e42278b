import { emptyStream, withIdleTimeout } from "../../copies/streams.ts";
import { canonicalQuery, signedHeaders, uriEncode } from "./sigv4.ts";
import { xmlText } from "./xml.ts";

/** Where an S3-compatible bucket is, and the keys that sign its requests (SigV4). */
export interface S3Options {
  /** `https://s3.eu-central-003.backblazeb2.com`; requests are path-style: `<endpoint>/<bucket>/<key>`. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** How long a request may wait: for the answer to begin (connect and first byte), and between two chunks of a body. */
export interface S3Timeouts {
  answerMs: number;
  idleMs: number;
}

/**
 * What went wrong, by what a person can do about it: the connection was refused or the name not
 * found (`refused`), no answer in time (`timeout`), a wrong key or no permission (`credentials`),
 * this PC's clock too far off for a signature (`clock`), no such bucket (`bucket`), an answer that
 * is not an S3 service's (`not_s3`), no such object (`not_found`) or upload (`no_upload`), a listing
 * past the app's bounds (`too_many`), `other`.
 */
export type S3Problem =
  | "refused"
  | "timeout"
  | "credentials"
  | "clock"
  | "bucket"
  | "not_s3"
  | "not_found"
  | "no_upload"
  | "too_many"
  | "other";

/**
 * A request that failed. Its message holds only what the app itself can vouch for — the HTTP
 * status, the service's error code when it is a plain word, the clock's offset — never a body.
 */
export class S3Failure extends Error {
  readonly problem: S3Problem;
  readonly status: number | null;
  readonly serviceCode: string | null;
  /** How far this PC's clock is from the service's, in minutes, for `clock`. */
  readonly skewMinutes: number | null;

  constructor(
    problem: S3Problem,
    facts: {
      status?: number | null;
      serviceCode?: string | null;
      skewMinutes?: number | null;
      what?: string;
    },
    options?: { cause?: unknown },
  ) {
    const parts = [
      ...(facts.what ? [facts.what] : []),
      ...(facts.status ? [`HTTP ${facts.status}`] : []),
      ...(facts.serviceCode ? [facts.serviceCode] : []),
    ];
    super(parts.join(", ") || problem, options);
    this.name = "S3Failure";
    this.problem = problem;
    this.status = facts.status ?? null;
    this.serviceCode = facts.serviceCode ?? null;
    this.skewMinutes = facts.skewMinutes ?? null;
  }
}

/** An upload is given at least this rate (64 KiB/s) on top of the time to an answer. */
const SLOWEST_UPLOAD_BYTES_PER_MS = 64;
/**
 * A service joining the parts of a multipart upload is given at least this rate (4 MiB/s) on top
 * of the time to an answer: one on a single disk (s3rver, MinIO) answers only once it wrote the
 * whole object again (over 31 s for 4 GB here), Amazon S3 answers at once and sends spaces for up
 * to minutes. 4 GB: about 17 minutes more at most; a dead connection still ends at the idle time.
 */
const SLOWEST_ASSEMBLY_BYTES_PER_MS = 4096;

/** The time a service may take, beyond the time to an answer, to complete an upload of `bytes`. */
export function assemblyMs(bytes: number): number {
  return Math.ceil(bytes / SLOWEST_ASSEMBLY_BYTES_PER_MS);
}
/** What is read of a failed request's answer, to find its code: never more. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** A clock this far off is what a 403 means, whatever code came with it. */
const SKEW_LIMIT_MS = 10 * 60_000;

const CREDENTIALS = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "AuthorizationHeaderMalformed",
  "MissingSecurityHeader",
  "AllAccessDisabled",
  "Forbidden",
]);

/** A service's error code, when it is a plain word (anything else is not repeated). */
const plainWord = (text: string | null) =>
  text !== null && /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(text) ? text : null;

/**
 * An `AbortSignal` that aborts with `reason()` after `ms`, or with `outer`'s reason when that
 * aborts first; `clear()` ends the timer.
 */
export function deadline(
  ms: number,
  reason: () => Error,
  outer?: AbortSignal,
): { signal: AbortSignal; clear(): void } {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(reason()), ms);
  const follow = () => abort.abort(outer?.reason);
  if (outer?.aborted) follow();
  else outer?.addEventListener("abort", follow, { once: true });
  return {
    signal: abort.signal,
    clear() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", follow);
    },
  };
}

/**
 * Reads a body to its end as text, at most `limit` bytes (then `S3Failure`), failing when no chunk
 * comes for the idle time, when the whole of it takes longer than the time to an answer plus
 * `limit` at 64 KiB/s (a service that drips) plus `extraMs` (work the service is known to do
 * meanwhile), or when `signal` aborts.
 */
export async function readBody(
  response: Response,
  limit: number,
  timeouts: S3Timeouts,
  signal?: AbortSignal,
  extraMs = 0,
): Promise<string> {
  const ms = timeouts.answerMs + Math.ceil(limit / SLOWEST_UPLOAD_BYTES_PER_MS) + extraMs;
  const whole = deadline(
    ms,
    () => new S3Failure("timeout", { what: `the answer took more than ${Math.round(ms / 1000)} s` }),
    signal,
  );
  try {
    return await readAll(response, limit, timeouts.idleMs, whole.signal);
  } finally {
    whole.clear();
  }
}

async function readAll(
  response: Response,
  limit: number,
  idleMs: number,
  signal: AbortSignal,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of bodyOf(response, idleMs, signal)) {
    total += chunk.byteLength;
    if (total > limit)
      throw new S3Failure("not_s3", {
        status: response.status,
        what: `an answer of more than ${limit} bytes`,
      });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * An answer's body (or an empty one), failing with a `timeout` `S3Failure` when no chunk comes for
 * `idleMs`, and with `signal`'s reason when it aborts.
 */
export function bodyOf(response: Response, idleMs: number, signal?: AbortSignal): ReadableStream<Uint8Array> {
  return withIdleTimeout(response.body ?? emptyStream(), {
    idleMs,
    idle: () => new S3Failure("timeout", { what: `no data for ${Math.round(idleMs / 1000)} s` }),
    map: networkFailure,
    ...(signal ? { signal } : {}),
  });
}

/** A failure before any answer: refused, a name not found, a reset. */
export function networkFailure(error: unknown): S3Failure {
  if (error instanceof S3Failure) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const what = typeof code === "string" && /^[A-Za-z_]{2,40}$/.test(code) ? code : "no connection";
  return new S3Failure("refused", { what }, { cause: error });
}

/** Signed requests to one bucket, each bounded in time and in what is read of its answer. */
export class S3Http {
  readonly #options: S3Options;
  readonly timeouts: S3Timeouts;
  readonly #base: URL;
  readonly #now: () => number;

  /** `now` is the time requests are signed with: this PC's clock (a test plays one that is off). */
  constructor(options: S3Options, timeouts: S3Timeouts, now: () => number = Date.now) {
    this.#options = options;
    this.timeouts = timeouts;
    this.#base = new URL(options.endpoint);
    this.#now = now;
  }

  /** The URL of an object (or of the bucket, for `null`), path-style, with the query as SigV4 orders it. */
  urlOf(key: string | null, query: Record<string, string> = {}): URL {
    const bucket = `/${uriEncode(this.#options.bucket)}`;
    const path = key === null ? bucket : `${bucket}/${key.split("/").map(uriEncode).join("/")}`;
    const url = new URL(path, this.#base);
    url.search = canonicalQuery(query);
    return url;
  }

  /**
   * Sends one signed request and returns its answer once it begins (2xx); otherwise rejects with
   * `S3Failure`. The answer must begin within `answerMs` (plus time for the body at 64 KiB/s, plus
   * `extraMs`: work the service is known to do before it answers); its body is the caller's to
   * read, with `readBody` or `bodyOf`. `signal` gives up the request (with its reason) when it
   * aborts: a run past its deadline, the app closing.
   */
  async send(request: {
    method: string;
    key: string | null;
    query?: Record<string, string>;
    body?: Uint8Array | string;
    contentType?: string;
    signal?: AbortSignal | undefined;
    extraMs?: number;
  }): Promise<Response> {
    request.signal?.throwIfAborted();
    const url = this.urlOf(request.key, request.query);
    const sentAt = this.#now();
    const signed = signedHeaders(
      {
        method: request.method,
        url,
        ...(request.contentType ? { headers: { "content-type": request.contentType } } : {}),
      },
      this.#options,
      new Date(sentAt),
    );
    const size =
      typeof request.body === "string" ? Buffer.byteLength(request.body) : (request.body?.byteLength ?? 0);
    const limit =
      this.timeouts.answerMs + Math.ceil(size / SLOWEST_UPLOAD_BYTES_PER_MS) + (request.extraMs ?? 0);
    const late = () => new S3Failure("timeout", { what: `no answer within ${Math.round(limit / 1000)} s` });
    const waiting = deadline(limit, late, request.signal);
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: signed,
        redirect: "manual",
        signal: waiting.signal,
        ...(request.body === undefined ? {} : { body: request.body }),
      });
    } catch (error) {
      if (waiting.signal.aborted) throw waiting.signal.reason;
      throw networkFailure(error);
    } finally {
      waiting.clear();
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw await this.#failureOf(response, sentAt, request.signal);
  }

  /** What a refusal means, judged by its status, its error code and the service's clock; its body is never repeated. */
  async #failureOf(response: Response, sentAt: number, signal?: AbortSignal): Promise<S3Failure> {
    const status = response.status;
    const body = await readBody(response, ERROR_BODY_LIMIT, this.timeouts, signal).catch(() => "");
    const isS3Error = body.includes("<Error>") && xmlText(body, "Code") !== null;
    const serviceCode = isS3Error ? plainWord(xmlText(body, "Code")) : null;
    const serverTime = Date.parse(response.headers.get("date") ?? "");
    const skew = Number.isFinite(serverTime) ? Math.abs(serverTime - sentAt) : 0;
    if (serviceCode === "RequestTimeTooSkewed" || (status === 403 && skew > SKEW_LIMIT_MS))
      return new S3Failure("clock", { status, serviceCode, skewMinutes: Math.round(skew / 60_000) });
    if (!isS3Error) return new S3Failure(status === 404 && body === "" ? "not_found" : "not_s3", { status });
    if (serviceCode && CREDENTIALS.has(serviceCode))
      return new S3Failure("credentials", { status, serviceCode });
    if (serviceCode === "NoSuchBucket") return new S3Failure("bucket", { status, serviceCode });
    if (serviceCode === "NoSuchKey") return new S3Failure("not_found", { status, serviceCode });
    if (serviceCode === "NoSuchUpload") return new S3Failure("no_upload", { status, serviceCode });
    if (status === 403) return new S3Failure("credentials", { status, serviceCode });
    return new S3Failure("other", { status, serviceCode });
  }
}
