import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import type { Aead } from "../types.ts";

/**
 * ChaCha20-Poly1305 in plain JavaScript (@noble/ciphers, audited): the path where no native
 * library loads (Windows without OpenSSL), at about a tenth of native speed.
 */
export const javascriptAead: Aead = {
  name: "JavaScript (@noble/ciphers)",
  seal(key, nonce, plain, out, aad) {
    chacha20poly1305(key, nonce, aad).encrypt(plain, out.subarray(0, plain.length + 16));
  },
  open(key, nonce, sealed, out, aad) {
    try {
      chacha20poly1305(key, nonce, aad).decrypt(sealed, out.subarray(0, sealed.length - 16));
      return true;
    } catch {
      return false;
    }
  },
};
