import type { Aead } from "../types.ts";
import { assertAeadSizes } from "./aead-check.ts";

/** OpenSSL's EVP_CTRL_AEAD_GET_TAG and EVP_CTRL_AEAD_SET_TAG. */
const GET_TAG = 0x10;
const SET_TAG = 0x11;

/**
 * The OpenSSL calls ChaCha20-Poly1305 needs, however the runtime's FFI reaches them (bun:ffi,
 * Deno's), on cipher contexts of type `C`; each returns OpenSSL's 1 for success.
 */
export interface EvpCalls<C> {
  EVP_EncryptInit_ex(ctx: C, cipher: null, engine: null, key: Uint8Array, iv: Uint8Array): number;
  EVP_EncryptUpdate(
    ctx: C,
    out: Uint8Array | null,
    length: Int32Array,
    input: Uint8Array,
    size: number,
  ): number;
  EVP_EncryptFinal_ex(ctx: C, out: Uint8Array, length: Int32Array): number;
  EVP_DecryptInit_ex(ctx: C, cipher: null, engine: null, key: Uint8Array, iv: Uint8Array): number;
  EVP_DecryptUpdate(
    ctx: C,
    out: Uint8Array | null,
    length: Int32Array,
    input: Uint8Array,
    size: number,
  ): number;
  EVP_DecryptFinal_ex(ctx: C, out: Uint8Array, length: Int32Array): number;
  EVP_CIPHER_CTX_ctrl(ctx: C, type: number, size: number, tag: Uint8Array): number;
}

/**
 * ChaCha20-Poly1305 from libcrypto `soname`, through one context each way, both set to the cipher
 * already and kept for the process (the calls are synchronous), named `name`.
 */
export function evpAead<C>(name: string, soname: string, c: EvpCalls<C>, sealing: C, opening: C): Aead {
  const length = new Int32Array(1);
  const scratch = new Uint8Array(16);
  return {
    name,
    seal(key, nonce, plain, out, aad) {
      assertAeadSizes(key, nonce, out, plain.length + 16);
      let ok = c.EVP_EncryptInit_ex(sealing, null, null, key, nonce) === 1;
      if (aad?.length) ok &&= c.EVP_EncryptUpdate(sealing, null, length, aad, aad.length) === 1;
      if (plain.length) ok &&= c.EVP_EncryptUpdate(sealing, out, length, plain, plain.length) === 1;
      ok &&= c.EVP_EncryptFinal_ex(sealing, scratch, length) === 1;
      ok &&= c.EVP_CIPHER_CTX_ctrl(sealing, GET_TAG, 16, out.subarray(plain.length)) === 1;
      if (!ok) throw new Error(`${soname}: ChaCha20-Poly1305 failed`);
    },
    open(key, nonce, sealed, out, aad) {
      const size = sealed.length - 16;
      if (size < 0) return false;
      assertAeadSizes(key, nonce, out, size);
      let ok = c.EVP_DecryptInit_ex(opening, null, null, key, nonce) === 1;
      if (aad?.length) ok &&= c.EVP_DecryptUpdate(opening, null, length, aad, aad.length) === 1;
      if (size) ok &&= c.EVP_DecryptUpdate(opening, out, length, sealed, size) === 1;
      ok &&= c.EVP_CIPHER_CTX_ctrl(opening, SET_TAG, 16, sealed.subarray(size)) === 1;
      return ok && c.EVP_DecryptFinal_ex(opening, scratch, length) === 1;
    },
  };
}
