import { chacha20poly1305 } from "#runtime/aead.ts";

/**
 * age's payload (age-encryption.org/v1, "STREAM"): the plain bytes in chunks of 64 KiB, each
 * sealed with ChaCha20-Poly1305 under the payload key, the nonce an 11-byte big-endian counter
 * and a last-chunk flag. Only the last chunk may be short, and it is empty only when the whole
 * payload is. The AEAD is the runtime's fastest (`#runtime/aead.ts`); the chunks are sealed and
 * opened straight from the bytes that came and into one buffer per batch that came: nothing is
 * allocated per chunk.
 */
export const CHUNK = 64 * 1024;
const TAG = 16;

/** Seals or opens one piece into `out`; false when a sealed piece does not open. */
type Step = (piece: Uint8Array, out: Uint8Array, nonce: Uint8Array) => boolean;

/**
 * Cuts a stream into pieces of `size` bytes and runs `step` on each, holding the latest piece
 * back until it is known whether more follows (the last one gets the flag).
 */
class Chunker {
  readonly #carry: Uint8Array;
  #filled = 0;
  #counter = 0;
  readonly #nonce = new Uint8Array(12);
  readonly #counterView = new DataView(this.#nonce.buffer);

  readonly size: number;
  /** How many bytes a piece of `n` bytes becomes. */
  readonly outSize: (n: number) => number;
  readonly step: Step;

  constructor(size: number, outSize: (n: number) => number, step: Step) {
    this.size = size;
    this.outSize = outSize;
    this.step = step;
    this.#carry = new Uint8Array(size);
  }

  /**
   * The pieces that `data` completes, done, except the latest one: in `room` when it is large
   * enough (a caller that is done with the last result before the next push), else in a new array.
   */
  push(data: Uint8Array, room?: Uint8Array): Uint8Array | null {
    const total = this.#filled + data.length;
    let pieces = Math.max(0, Math.ceil(total / this.size) - 1);
    let offset = 0;
    if (pieces === 0) {
      this.#carry.set(data, this.#filled);
      this.#filled = total;
      return null;
    }
    const need = pieces * this.outSize(this.size);
    const out = room && room.length >= need ? room.subarray(0, need) : new Uint8Array(need);
    let at = 0;
    if (this.#filled > 0) {
      offset = this.size - this.#filled;
      this.#carry.set(data.subarray(0, offset), this.#filled);
      at += this.#run(this.#carry, out.subarray(at), false);
      this.#filled = 0;
      pieces--;
    }
    for (; pieces > 0; pieces--, offset += this.size)
      at += this.#run(data.subarray(offset, offset + this.size), out.subarray(at), false);
    this.#carry.set(data.subarray(offset));
    this.#filled = data.length - offset;
    return out;
  }

  /** The last piece, done; `counter` says how many came before it. */
  end(check: (filled: number, counter: number) => void): Uint8Array {
    check(this.#filled, this.#counter);
    const piece = this.#carry.subarray(0, this.#filled);
    const out = new Uint8Array(this.outSize(piece.length));
    this.#run(piece, out, true);
    return out;
  }

  #run(piece: Uint8Array, out: Uint8Array, last: boolean): number {
    const counter = this.#counter++;
    this.#counterView.setUint32(3, Math.floor(counter / 2 ** 32));
    this.#counterView.setUint32(7, counter >>> 0);
    this.#nonce[11] = last ? 1 : 0;
    if (!this.step(piece, out, this.#nonce)) throw new Error(`chunk ${counter} of the payload does not open`);
    return this.outSize(piece.length);
  }
}

/** Seals plain bytes into age's payload as they come: `push` each batch, then `end` once. */
export interface PayloadSealer {
  /**
   * The chunks `data` completes, sealed (the latest one is held back), or null; in `room` when it
   * is large enough (`roomFor`) and the caller is done with the last result.
   */
  push(data: Uint8Array, room?: Uint8Array): Uint8Array | null;
  /** The last chunk, sealed. */
  end(): Uint8Array;
}

export function payloadSealer(key: Uint8Array): PayloadSealer {
  const aead = chacha20poly1305();
  const chunker = new Chunker(
    CHUNK,
    (n) => n + TAG,
    (piece, out, nonce) => {
      aead.seal(key, nonce, piece, out);
      return true;
    },
  );
  return { push: (data, room) => chunker.push(data, room), end: () => chunker.end(() => {}) };
}

/** How large a `room` holds what `PayloadSealer.push` gives for `bytes` plain bytes at a time. */
export function roomFor(bytes: number): Uint8Array {
  return new Uint8Array((Math.ceil(bytes / CHUNK) + 1) * (CHUNK + TAG));
}

/** Seals a plain stream into age's payload, after `head` (the file's header and nonce). */
export function sealPayload(key: Uint8Array, head: Uint8Array): TransformStream<Uint8Array, Uint8Array> {
  const sealer = payloadSealer(key);
  return new TransformStream({
    start(controller) {
      controller.enqueue(head);
    },
    transform(data, controller) {
      const out = sealer.push(data);
      if (out) controller.enqueue(out);
    },
    flush(controller) {
      controller.enqueue(sealer.end());
    },
  });
}

/**
 * Opens age's payload into the plain stream; each chunk is authenticated before it is given out.
 * Errors at the first chunk that does not open, and at a payload cut short or run on (a missing
 * last chunk, an empty last chunk after others).
 */
export function openPayload(key: Uint8Array): TransformStream<Uint8Array, Uint8Array> {
  const aead = chacha20poly1305();
  const chunker = new Chunker(
    CHUNK + TAG,
    (n) => n - TAG,
    (piece, out, nonce) => aead.open(key, nonce, piece, out),
  );
  return new TransformStream({
    transform(data, controller) {
      const out = chunker.push(data);
      if (out) controller.enqueue(out);
    },
    flush(controller) {
      const last = chunker.end((filled, counter) => {
        if (filled < TAG) throw new Error("the payload is cut short");
        if (filled === TAG && counter > 0) throw new Error("the payload ends with an empty chunk");
      });
      if (last.length) controller.enqueue(last);
    },
  });
}
