import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { letOthersRun } from "../../lib/timers.ts";

/** The size and SHA-256 of bytes that passed by. */
export interface Digest {
  size: number;
  sha256: string;
}

/** A local file as a stream, read 1 MiB at a time. */
export function fileStream(path: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(path, { highWaterMark: 1024 * 1024 })) as ReadableStream<Uint8Array>;
}

/**
 * A pass-through that hashes and counts what flows through it, tells `onProgress` the bytes so
 * far, and fails the stream (and so the upload or write reading it) once `signal` is aborted, or
 * with `tooLong()` once more than `limit` bytes came (a download longer than its sidecar says).
 */
export function measuring(
  options: {
    onProgress?: (bytes: number) => void;
    signal?: AbortSignal;
    limit?: { bytes: number; tooLong: () => Error };
  } = {},
) {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, out) {
      options.signal?.throwIfAborted();
      if (options.limit && size + chunk.byteLength > options.limit.bytes) throw options.limit.tooLong();
      hash.update(chunk);
      size += chunk.byteLength;
      options.onProgress?.(size);
      out.enqueue(chunk);
      // Between chunks the thread answers other work: encryption and hashing downstream run in
      // bursts of one chunk, never of the whole stream.
      await letOthersRun();
    },
  });
  let digest: Digest | null = null;
  return {
    stream,
    /** Call once the stream has ended. */
    digest(): Digest {
      digest ??= { size, sha256: hash.digest("hex") };
      return digest;
    },
  };
}

/** Reads `stream` to its end and returns its size and SHA-256. */
export async function digestOf(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<Digest> {
  const meter = measuring(signal ? { signal } : {});
  for await (const _ of stream.pipeThrough(meter.stream)) {
    // Only the digest is wanted.
  }
  return meter.digest();
}

/** A stream that ends at once. */
export function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}

/**
 * `stream`, failing with `idle()` when no chunk comes for `idleMs` (a storage that stopped
 * answering), with the reason of `signal` once it is aborted (a run past its deadline, the app
 * closing), and with `map(error)` when a read fails; cancelling it cancels `stream`.
 */
export function withIdleTimeout(
  stream: ReadableStream<Uint8Array>,
  options: { idleMs: number; idle: () => Error; map: (error: unknown) => Error; signal?: AbortSignal },
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let own: unknown = null;
      const { signal } = options;
      let onAbort: (() => void) | null = null;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          own = options.idle();
          reject(own);
        }, options.idleMs);
        if (signal) {
          onAbort = () => {
            own = signal.reason;
            reject(own);
          };
          if (signal.aborted) onAbort();
          else signal.addEventListener("abort", onAbort, { once: true });
        }
      });
      try {
        const { value, done } = await Promise.race([reader.read(), late]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        reader.cancel().catch(() => {});
        controller.error(error === own ? error : options.map(error));
      } finally {
        clearTimeout(timer);
        if (signal && onAbort) signal.removeEventListener("abort", onAbort);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * `work`, or `late()`'s error when it takes longer than `ms`, or the reason of `signal` once it is
 * aborted: what waits on something outside (a share that stopped answering) never waits longer.
 * The work itself goes on in the background; only the wait for it ends.
 */
export async function bounded<T>(
  work: Promise<T>,
  options: { ms: number; late: () => Error; signal?: AbortSignal | undefined },
): Promise<T> {
  const { signal } = options;
  signal?.throwIfAborted();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | null = null;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(options.late()), options.ms);
    if (signal) {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([work, stop]);
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener("abort", onAbort);
  }
}
