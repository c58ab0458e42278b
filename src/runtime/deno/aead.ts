import { createCipheriv, createDecipheriv } from "node:crypto";
import { passesKnownAnswer } from "../shared/aead-check.ts";
import type { Aead } from "../types.ts";

/**
 * ChaCha20-Poly1305 under Deno: its node:crypto has it natively (650–830 MB/s). Its cipher
 * objects and their outputs are made per call (the API has no way to reuse one or to write into a
 * given buffer), so a young-generation collection follows every 16 MiB where the runtime allows it
 * (`--v8-flags=--expose-gc`, as `deno task start` runs the app): without it a copy of 256 MB grew
 * the process by 70 MiB of chunks no longer used. `BUSINESS_APP_AEAD` (tests only) is not read:
 * Deno has one path.
 */
const COLLECT_EVERY = 16 * 1024 * 1024;
let sinceCollected = 0;

function used(bytes: number): void {
  sinceCollected += bytes;
  if (sinceCollected < COLLECT_EVERY) return;
  sinceCollected = 0;
  (globalThis as { gc?: (options?: { type: "minor" }) => void }).gc?.({ type: "minor" });
}
const nodeAead: Aead = {
  name: "node:crypto (Deno)",
  seal(key, nonce, plain, out, aad) {
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    if (aad) cipher.setAAD(aad, { plaintextLength: plain.length });
    const body = cipher.update(plain);
    const rest = cipher.final();
    out.set(body, 0);
    out.set(rest, body.length);
    out.set(cipher.getAuthTag(), plain.length);
    used(plain.length);
  },
  open(key, nonce, sealed, out, aad) {
    const size = sealed.length - 16;
    if (size < 0) return false;
    try {
      const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
      if (aad) decipher.setAAD(aad, { plaintextLength: size });
      decipher.setAuthTag(sealed.subarray(size));
      const body = decipher.update(sealed.subarray(0, size));
      const rest = decipher.final();
      out.set(body, 0);
      out.set(rest, body.length);
      used(size);
      return true;
    } catch {
      return false;
    }
  },
};

let proven = false;

/** The runtime's ChaCha20-Poly1305, once it sealed and opened RFC 8439's example to the very bytes. */
export function chacha20poly1305(): Aead {
  if (!proven) {
    if (!passesKnownAnswer(nodeAead))
      throw new Error("Deno's ChaCha20-Poly1305 does not give RFC 8439's answer");
    proven = true;
  }
  return nodeAead;
}
