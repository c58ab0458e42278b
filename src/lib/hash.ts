import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** SHA-256 of text (as UTF-8) or bytes, in hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** SHA-256 of a file in hex, read in chunks so memory stays flat whatever its size. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}
