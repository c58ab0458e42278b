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
