import { ageLibrary } from "./age-library.ts";

/**
 * age's header (age-encryption.org/v1): its stanzas, one per recipient, each wrapping the file
 * key, then `--- ` and the header's MAC; the 16-byte nonce of the payload key follows. The
 * header is made and checked by age's own library (typage); the payload is ours (`age-stream.ts`).
 */

/** A header longer than this is refused unread: ours is one stanza, a few hundred bytes. */
const HEADER_LIMIT = 64 * 1024;
const NONCE = 16;
const MAC_LINE = new TextEncoder().encode("\n--- ");

/**
 * A header for `recipient` (`age1…`) and the file key it wraps. The library makes both; a second
 * "recipient" that adds no stanza hands the file key over, so the payload is sealed here.
 */
export async function headerFor(recipient: string): Promise<{ header: Uint8Array; fileKey: Uint8Array }> {
  let fileKey: Uint8Array | null = null;
  const { Encrypter } = await ageLibrary();
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  encrypter.addRecipient({
    wrapFileKey(key) {
      fileKey = key.slice();
      return [];
    },
  });
  const empty = await encrypter.encrypt(new Uint8Array(0));
  if (!fileKey) throw new Error("age made no file key");
  // An empty file is its header, the payload's nonce, and one empty sealed chunk (its tag).
  return { header: empty.slice(0, empty.length - NONCE - 16), fileKey };
}

/** Where the header in `bytes` ends (after the MAC line's line break), or -1 when it does not yet. */
function headerEnd(bytes: Uint8Array): number {
  const limit = Math.min(bytes.length, HEADER_LIMIT);
  outer: for (let i = 0; i + MAC_LINE.length <= limit; i++) {
    for (let j = 0; j < MAC_LINE.length; j++) if (bytes[i + j] !== MAC_LINE[j]) continue outer;
    const lineEnd = bytes.indexOf(0x0a, i + MAC_LINE.length);
    return lineEnd === -1 ? -1 : lineEnd + 1;
  }
  return -1;
}

/** An age file split: its header, the payload's nonce, and the payload, streamed. */
export interface SplitFile {
  header: Uint8Array;
  nonce: Uint8Array;
  payload: ReadableStream<Uint8Array>;
}

/**
 * Reads `file` up to its payload (at most 64 KiB of header, whatever the storage sends). Throws
 * when it is not an age file of this version or is cut short; cancelling the payload cancels `file`.
 */
export async function splitAgeFile(file: ReadableStream<Uint8Array>): Promise<SplitFile> {
  const reader = file.getReader();
  let bytes = new Uint8Array(0);
  let end = -1;
  try {
    // Each read adds a byte at least, or counts toward the bound: never more than the limit's reads.
    for (let reads = 0; end === -1 || bytes.length < end + NONCE; reads++) {
      if (bytes.length > HEADER_LIMIT + NONCE || reads > HEADER_LIMIT) throw new Error("no age header");
      const { value, done } = await reader.read();
      if (done) throw new Error("the file ends within its header");
      const grown = new Uint8Array(bytes.length + value.length);
      grown.set(bytes);
      grown.set(value, bytes.length);
      bytes = grown;
      end = headerEnd(bytes);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  const rest = bytes.subarray(end + NONCE);
  const payload = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (rest.length) controller.enqueue(rest);
      },
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return { header: bytes.slice(0, end), nonce: bytes.slice(end, end + NONCE), payload };
}

/** The kinds of the header's stanzas (`X25519`, `scrypt`), as its `-> ` lines name them. */
export function stanzaKinds(header: Uint8Array): string[] {
  return new TextDecoder()
    .decode(header)
    .split("\n")
    .filter((line) => line.startsWith("-> "))
    .map((line) => line.slice(3).split(" ")[0] ?? "");
}
