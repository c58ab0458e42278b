import { createCipheriv, createDecipheriv } from "node:crypto";
import { passesKnownAnswer } from "../shared/aead-check.ts";
import { evpAead } from "../shared/aead-evp.ts";
import type { Aead } from "../types.ts";

/**
 * ChaCha20-Poly1305 under Deno: OpenSSL's libcrypto through Deno's FFI where it loads (the app
 * runs with every permission) and gives RFC 8439's answer, about 4 GB/s; else Deno's node:crypto
 * (650–830 MB/s). node:crypto's cipher objects and their outputs are made per call (the API has
 * no way to reuse one or to write into a given buffer), so a young-generation collection follows
 * every 16 MiB where the runtime allows it (`--v8-flags=--expose-gc`, as `deno task start` runs the
 * app): without it a copy of 256 MB grew the process by 70 MiB of chunks no longer used.
 * `BUSINESS_APP_AEAD` (tests only): `node` forces node:crypto.
 */
const LIBCRYPTO = ["libcrypto.so.3", "libcrypto.so.1.1"];
/** Every library tried, in the order tried (as Bun's side names them). */
export const NATIVE_LIBRARIES = LIBCRYPTO;
function libcrypto(soname: string): Aead {
  const { symbols: c } = Deno.dlopen(soname, {
    EVP_chacha20_poly1305: { parameters: [], result: "pointer" },
    EVP_CIPHER_CTX_new: { parameters: [], result: "pointer" },
    EVP_EncryptInit_ex: { parameters: ["pointer", "pointer", "pointer", "buffer", "buffer"], result: "i32" },
    EVP_EncryptUpdate: { parameters: ["pointer", "buffer", "buffer", "buffer", "i32"], result: "i32" },
    EVP_EncryptFinal_ex: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
    EVP_DecryptInit_ex: { parameters: ["pointer", "pointer", "pointer", "buffer", "buffer"], result: "i32" },
    EVP_DecryptUpdate: { parameters: ["pointer", "buffer", "buffer", "buffer", "i32"], result: "i32" },
    EVP_DecryptFinal_ex: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
    EVP_CIPHER_CTX_ctrl: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  } as const);
  const cipher = c.EVP_chacha20_poly1305();
  // One context each way, set to the cipher once and kept for the process (calls are synchronous).
  const sealing = c.EVP_CIPHER_CTX_new();
  const opening = c.EVP_CIPHER_CTX_new();
  if (!cipher || !sealing || !opening) throw new Error(`${soname} has no ChaCha20-Poly1305`);
  if (c.EVP_EncryptInit_ex(sealing, cipher, null, null, null) !== 1) throw new Error("EVP_EncryptInit_ex");
  if (c.EVP_DecryptInit_ex(opening, cipher, null, null, null) !== 1) throw new Error("EVP_DecryptInit_ex");
  return evpAead(`${soname} (Deno FFI)`, soname, c, sealing, opening);
}

/** libcrypto `soname` loaded through Deno's FFI, if it loads here and passes the known answer; null if not. */
export function nativeAead(soname: string): Aead | null {
  try {
    const aead = libcrypto(soname);
    return passesKnownAnswer(aead) ? aead : null;
  } catch {
    // Not on this machine, no permission to load it, or not a build with the cipher.
    return null;
  }
}

const COLLECT_EVERY = 16 * 1024 * 1024;
let sinceCollected = 0;

function used(bytes: number): void {
  sinceCollected += bytes;
  if (sinceCollected < COLLECT_EVERY) return;
  sinceCollected = 0;
  (globalThis as { gc?: (options?: { type: "minor" }) => void }).gc?.({ type: "minor" });
}
/** Deno's node:crypto: where no libcrypto loads (or `BUSINESS_APP_AEAD=node`). */
const nodeCryptoAead: Aead = {
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

function probe(): Aead {
  if (process.env.BUSINESS_APP_AEAD !== "node" && process.platform === "linux") {
    for (const soname of LIBCRYPTO) {
      const aead = nativeAead(soname);
      if (aead) return aead;
    }
  }
  if (!passesKnownAnswer(nodeCryptoAead))
    throw new Error("Deno's ChaCha20-Poly1305 does not give RFC 8439's answer");
  return nodeCryptoAead;
}

/** What is used where no native library loads. */
export const FALLBACK_AEAD = nodeCryptoAead;

let chosen: Aead | null = null;

/** The fastest ChaCha20-Poly1305 that loads here and gives RFC 8439's answer. */
export function chacha20poly1305(): Aead {
  chosen ??= probe();
  return chosen;
}
