import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

/** SHA-256 of text (as UTF-8) or bytes, in hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** What a read of 1 MiB costs in memory, and what hashing it blocks the thread for (about 1 ms). */
const CHUNK = 1024 * 1024;

/**
 * SHA-256 of a file in hex, read into one buffer of 1 MiB again and again, so memory stays flat
 * whatever its size (no garbage per chunk) and the thread that hashes answers other work between
 * chunks.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(CHUNK);
  const file = await open(path, "r");
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest("hex");
}
