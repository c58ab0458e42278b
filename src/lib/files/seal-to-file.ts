import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { payloadSealer, roomFor } from "../age-stream.ts";
import { writeAll } from "./fs-sync.ts";

/** The size and SHA-256 (hex) of bytes. */
export interface FileDigest {
  size: number;
  sha256: string;
}

/** What is read at a time. */
const BATCH = 1024 * 1024;

/**
 * `source` encrypted into the new file `target` (created, never replaced) as an age file: `head`,
 * the header the caller made for the recipient, then the payload sealed under `key`
 * (`age-stream.ts`). Read and written 1 MiB at a time with blocking calls, for a worker thread,
 * where nothing else waits on them; `tell` hears the plain bytes done after each MiB. Returns the
 * size and SHA-256 of both sides, each taken from the very bytes read and written. The file is not
 * flushed: the caller flushes it while it reads it back.
 */
export function sealFileTo(
  args: { source: string; target: string; head: Uint8Array; key: Uint8Array },
  tell: (plainBytes: number) => void = () => {},
): { plain: FileDigest; sealed: FileDigest } {
  const sealer = payloadSealer(args.key);
  const plainHash = createHash("sha256");
  const sealedHash = createHash("sha256");
  let plainSize = 0;
  let sealedSize = 0;
  const buffer = new Uint8Array(BATCH);
  // Written before the next push: one output buffer for the whole file.
  const room = roomFor(BATCH);
  const input = openSync(args.source, "r");
  try {
    const output = openSync(args.target, "wx", 0o600);
    try {
      const give = (bytes: Uint8Array) => {
        sealedHash.update(bytes);
        sealedSize += bytes.length;
        writeAll(output, bytes);
      };
      give(args.head);
      for (;;) {
        const read = readSync(input, buffer, 0, BATCH, null);
        if (read === 0) break;
        const plain = buffer.subarray(0, read);
        plainHash.update(plain);
        plainSize += read;
        const sealed = sealer.push(plain, room);
        if (sealed) give(sealed);
        tell(plainSize);
      }
      give(sealer.end());
    } finally {
      closeSync(output);
    }
  } finally {
    closeSync(input);
  }
  return {
    plain: { size: plainSize, sha256: plainHash.digest("hex") },
    sealed: { size: sealedSize, sha256: sealedHash.digest("hex") },
  };
}
