import { dlopen, FFIType, type Pointer } from "bun:ffi";
import { assertAeadSizes, passesKnownAnswer } from "../shared/aead-check.ts";
import { evpAead } from "../shared/aead-evp.ts";
import { javascriptAead } from "../shared/aead-js.ts";
import type { Aead } from "../types.ts";

/**
 * ChaCha20-Poly1305 under Bun, whose node:crypto lacks it: a system library called through
 * bun:ffi (OpenSSL's libcrypto, on nearly every Linux, or libsodium; 1–4 GB/s with their
 * assembly), loaded by soname and used only once it passed RFC 8439's example; else plain
 * JavaScript (~80 MB/s). macOS is left to JavaScript: its unversioned libcrypto aborts the
 * process that loads it. Probed once per process, at the first use.
 *
 * `BUSINESS_APP_AEAD` is for tests only: `javascript` forces the JavaScript path, a soname below
 * (`libsodium.so.23`) tries only that library.
 */
const LIBCRYPTO = ["libcrypto.so.3", "libcrypto.so.1.1"];
const LIBSODIUM = ["libsodium.so.23", "libsodium.so.26"];

function libcrypto(soname: string): Aead {
  const { symbols: c } = dlopen(soname, {
    EVP_chacha20_poly1305: { args: [], returns: FFIType.ptr },
    EVP_CIPHER_CTX_new: { args: [], returns: FFIType.ptr },
    EVP_EncryptInit_ex: { args: ["ptr", "ptr", "ptr", "ptr", "ptr"], returns: FFIType.i32 },
    EVP_EncryptUpdate: { args: ["ptr", "ptr", "ptr", "ptr", FFIType.i32], returns: FFIType.i32 },
    EVP_EncryptFinal_ex: { args: ["ptr", "ptr", "ptr"], returns: FFIType.i32 },
    EVP_DecryptInit_ex: { args: ["ptr", "ptr", "ptr", "ptr", "ptr"], returns: FFIType.i32 },
    EVP_DecryptUpdate: { args: ["ptr", "ptr", "ptr", "ptr", FFIType.i32], returns: FFIType.i32 },
    EVP_DecryptFinal_ex: { args: ["ptr", "ptr", "ptr"], returns: FFIType.i32 },
    EVP_CIPHER_CTX_ctrl: { args: ["ptr", FFIType.i32, FFIType.i32, "ptr"], returns: FFIType.i32 },
  });
  const cipher = c.EVP_chacha20_poly1305();
  // One context each way, set to the cipher once and kept for the process (calls are synchronous).
  const sealing = c.EVP_CIPHER_CTX_new() as Pointer;
  const opening = c.EVP_CIPHER_CTX_new() as Pointer;
  if (!cipher || !sealing || !opening) throw new Error(`${soname} has no ChaCha20-Poly1305`);
  if (c.EVP_EncryptInit_ex(sealing, cipher, null, null, null) !== 1) throw new Error("EVP_EncryptInit_ex");
  if (c.EVP_DecryptInit_ex(opening, cipher, null, null, null) !== 1) throw new Error("EVP_DecryptInit_ex");
  return evpAead(`${soname} (bun:ffi)`, soname, c, sealing, opening);
}

function libsodium(soname: string): Aead {
  const u64 = FFIType.u64;
  const { symbols: s } = dlopen(soname, {
    sodium_init: { args: [], returns: FFIType.i32 },
    crypto_aead_chacha20poly1305_ietf_encrypt: {
      args: ["ptr", "ptr", "ptr", u64, "ptr", u64, "ptr", "ptr", "ptr"],
      returns: FFIType.i32,
    },
    crypto_aead_chacha20poly1305_ietf_decrypt: {
      args: ["ptr", "ptr", "ptr", "ptr", u64, "ptr", u64, "ptr", "ptr"],
      returns: FFIType.i32,
    },
  });
  if (s.sodium_init() < 0) throw new Error(`${soname}: sodium_init failed`);
  const length = new BigUint64Array(1);
  return {
    name: `${soname} (bun:ffi)`,
    seal(key, nonce, plain, out, aad) {
      assertAeadSizes(key, nonce, out, plain.length + 16);
      const result = s.crypto_aead_chacha20poly1305_ietf_encrypt(
        out,
        length,
        plain.length ? plain : null,
        plain.length,
        aad?.length ? aad : null,
        aad?.length ?? 0,
        null,
        nonce,
        key,
      );
      if (result !== 0) throw new Error(`${soname}: ChaCha20-Poly1305 failed`);
    },
    open(key, nonce, sealed, out, aad) {
      if (sealed.length < 16) return false;
      assertAeadSizes(key, nonce, out, sealed.length - 16);
      const result = s.crypto_aead_chacha20poly1305_ietf_decrypt(
        out.length ? out : null,
        length,
        null,
        sealed,
        sealed.length,
        aad?.length ? aad : null,
        aad?.length ?? 0,
        nonce,
        key,
      );
      return result === 0;
    },
  };
}

/** The library `soname` loaded, if it loads here and passes the known answer; null if not. */
export function nativeAead(soname: string): Aead | null {
  try {
    const aead = LIBSODIUM.includes(soname) ? libsodium(soname) : libcrypto(soname);
    return passesKnownAnswer(aead) ? aead : null;
  } catch {
    // Not on this machine, or not a build with the cipher.
    return null;
  }
}

/** Every library tried, in the order tried. */
export const NATIVE_LIBRARIES = [...LIBCRYPTO, ...LIBSODIUM];

function probe(): Aead {
  const wanted = process.env.BUSINESS_APP_AEAD;
  if (wanted === "javascript" || process.platform !== "linux") return javascriptAead;
  for (const soname of NATIVE_LIBRARIES) {
    if (wanted && wanted !== soname) continue;
    const aead = nativeAead(soname);
    if (aead) return aead;
  }
  return javascriptAead;
}

/** What is used where no native library loads. */
export const FALLBACK_AEAD = javascriptAead;

let chosen: Aead | null = null;

/** The fastest ChaCha20-Poly1305 that loads here and passes the known answer. */
export function chacha20poly1305(): Aead {
  chosen ??= probe();
  return chosen;
}
