import { scryptSync } from "node:crypto";

/** Crockford's base 32: no I, L, O or U, so a fingerprint copied by hand reads back without doubt. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const FINGERPRINT_SALT = "BusinessApp passphrase fingerprint v1";

let last: { passphrase: string; fingerprint: string } | null = null;

/**
 * A short fingerprint of the passphrase, such as `K7QP-2M9X`: printed on the emergency kit and
 * shown whenever a passphrase is typed, so a passphrase written by hand can be checked before it
 * is needed. 40 bits of scrypt (N = 2^15): one guess costs what one try at an age file does, and
 * 40 bits say nothing useful about a passphrase of 12 characters or more.
 */
export function passphraseFingerprint(passphrase: string): string {
  if (last?.passphrase === passphrase) return last.fingerprint;
  const bytes = scryptSync(passphrase, FINGERPRINT_SALT, 5, {
    N: 2 ** 15,
    r: 8,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  });
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let text = "";
  for (let i = 7; i >= 0; i--) text += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  const fingerprint = `${text.slice(0, 4)}-${text.slice(4)}`;
  last = { passphrase, fingerprint };
  return fingerprint;
}

/** What a typed passphrase opens in one place. */
export interface PassphraseTry {
  /** The place, as the pages name it ("the mirror folder", "S3"). */
  label: string;
  /** `opens`: the key of the place's encrypted copies; `no_key`: the place holds no encrypted copies yet. */
  outcome: "opens" | "no_key" | "wrong" | "unreachable";
  /** Why not, in words, for `wrong` and `unreachable`. */
  reason: string | null;
}
