import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";

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
 * far, and fails the stream (and so the upload or write reading it) once `signal` is aborted.
 */
export function measuring(options: { onProgress?: (bytes: number) => void; signal?: AbortSignal } = {}) {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, out) {
      options.signal?.throwIfAborted();
      hash.update(chunk);
      size += chunk.byteLength;
      options.onProgress?.(size);
      out.enqueue(chunk);
      // Between chunks the thread answers other work: encryption and hashing downstream run in
      // bursts of one chunk, never of the whole stream.
      await new Promise((resolve) => setImmediate(resolve));
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
 * answering), and with `map(error)` when a read fails; cancelling it cancels `stream`.
 */
export function withIdleTimeout(
  stream: ReadableStream<Uint8Array>,
  options: { idleMs: number; idle: () => Error; map: (error: unknown) => Error },
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let idle: Error | null = null;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          idle = options.idle();
          reject(idle);
        }, options.idleMs);
      });
      try {
        const { value, done } = await Promise.race([reader.read(), late]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        reader.cancel().catch(() => {});
        controller.error(error === idle ? error : options.map(error));
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
