import type { Aead } from "../types.ts";

const hex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));

/** RFC 8439 §2.8.2: the AEAD_CHACHA20_POLY1305 example (key, nonce, AAD, plaintext, sealed). */
export const RFC8439_VECTOR = {
  key: hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"),
  nonce: hex("070000004041424344454647"),
  aad: hex("50515253c0c1c2c3c4c5c6c7"),
  plain: new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ),
  sealed: hex(
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b" +
      "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
      "3ff4def08e4b7a9de576d26586cec64b6116" +
      "1ae10b594f09e26a7e902ecbd0600691",
  ),
};

/**
 * True when `aead` seals RFC 8439's example to the very bytes, opens them back, and refuses them
 * with one bit flipped: a library found on the machine is used only after it passed this (an old
 * or odd build that computes something else would make copies nobody could open).
 */
export function passesKnownAnswer(aead: Aead): boolean {
  const { key, nonce, aad, plain, sealed } = RFC8439_VECTOR;
  try {
    const out = new Uint8Array(sealed.length);
    aead.seal(key, nonce, plain, out, aad);
    if (!out.every((byte, i) => byte === sealed[i])) return false;
    const back = new Uint8Array(plain.length);
    if (!aead.open(key, nonce, sealed, back, aad) || !back.every((byte, i) => byte === plain[i]))
      return false;
    const flipped = sealed.slice();
    flipped[7] = (flipped[7] ?? 0) ^ 1;
    return !aead.open(key, nonce, flipped, back, aad);
  } catch {
    return false;
  }
}

/**
 * Throws unless the sizes are ChaCha20-Poly1305's (a 32-byte key, a 12-byte nonce) and `out` has
 * room for `bytes`: checked before a native library is handed the buffers, which reads and writes
 * them by pointer without looking at their length.
 */
export function assertAeadSizes(key: Uint8Array, nonce: Uint8Array, out: Uint8Array, bytes: number): void {
  if (key.length !== 32 || nonce.length !== 12 || out.length < bytes)
    throw new RangeError(
      `ChaCha20-Poly1305 needs a 32-byte key, a 12-byte nonce and ${bytes} bytes of room (${key.length}, ${nonce.length}, ${out.length})`,
    );
}
