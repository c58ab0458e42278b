import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

/** SHA-256 of text (as UTF-8) or bytes, in hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** What a read of 1 MiB costs in memory, and what hashing it blocks the thread for (about 1 ms). */
const CHUNK = 1024 * 1024;

/**
 * SHA-256 of a file in hex, read 1 MiB at a time into two buffers in turn: the next read runs
 * while the last one is hashed. Memory stays flat whatever the file's size (no garbage per
 * chunk), and the thread that hashes answers other work between chunks.
 */
export async function sha256File(path: string): Promise<string> {
  return (await fileDigest(path)).sha256;
}

/**
 * The size and SHA-256 (hex) of a file, read as `sha256File` reads it; each open and read waits at
 * most as `bound` allows (a network share that stops answering), and it stops once `signal` aborts.
 */
export async function fileDigest(
  path: string,
  options: { bound?: <T>(work: Promise<T>) => Promise<T>; signal?: AbortSignal } = {},
): Promise<{ size: number; sha256: string }> {
  const bound = options.bound ?? ((work) => work);
  const hash = createHash("sha256");
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  const file = await bound(open(path, "r"));
  let turn = 0;
  let size = 0;
  let reading = file.read(buffers[turn] as Buffer, 0, CHUNK, null);
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const { bytesRead, buffer } = await bound(reading);
      if (bytesRead === 0) break;
      turn ^= 1;
      reading = file.read(buffers[turn] as Buffer, 0, CHUNK, null);
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await reading.catch(() => {});
    await file.close();
  }
  return { size, sha256: hash.digest("hex") };
}
