import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";

/** SHA-256 of text (as UTF-8) or bytes, in hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** What a read of 1 MiB costs in memory, and what hashing it blocks the thread for (about 1 ms). */
const CHUNK = 1024 * 1024;

/**
 * SHA-256 of a file in hex, read in chunks of 1 MiB, so memory stays flat whatever its size and
 * the thread that hashes answers other work between chunks.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }))
    hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

/**
 * Copies `source` to `target` (which must not exist; created owner-only) and returns the
 * SHA-256 of the very bytes written, in one pass: each chunk is hashed while the one before it
 * is being written. `onProgress` hears the bytes written so far. Does not flush `target`.
 */
export async function copyHashed(
  source: string,
  target: string,
  onProgress: (bytes: number) => void = () => {},
): Promise<string> {
  const hash = createHash("sha256");
  const input = await open(source, "r");
  const output = await open(target, "wx", 0o600);
  try {
    let written = 0;
    let pending: Promise<unknown> = Promise.resolve();
    for (let offset = 0; ; ) {
      const buffer = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await input.read(buffer, 0, CHUNK, offset);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      const at = offset;
      await pending;
      pending = output.write(chunk, 0, bytesRead, at).then(() => {
        written += bytesRead;
        onProgress(written);
      });
      hash.update(chunk);
      offset += bytesRead;
    }
    await pending;
  } finally {
    await output.close();
    await input.close();
  }
  return hash.digest("hex");
}
