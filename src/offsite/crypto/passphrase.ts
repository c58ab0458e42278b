import { scrypt, scryptSync } from "node:crypto";

/** Crockford's base 32: no I, L, O or U, so a fingerprint copied by hand reads back without doubt. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const FINGERPRINT_SALT = "BusinessApp passphrase fingerprint v1";

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** The fingerprints of the passphrases set (the saved one, one from the environment): a few at most. */
const known = new Map<string, string>();

function fingerprintText(bytes: Uint8Array): string {
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let text = "";
  for (let i = 7; i >= 0; i--) text += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${text.slice(0, 4)}-${text.slice(4)}`;
}

/**
 * A short fingerprint of the passphrase, such as `K7QP-2M9X`: printed on the emergency kit and
 * shown when a wrong passphrase is typed, so a passphrase written by hand can be checked before it
 * is needed. 40 bits of scrypt (N = 2^15, a tenth of a second): 40 bits say nothing useful about
 * a passphrase of 12 characters or more. For the passphrase set (computed once, then kept); a
 * typed one goes through `typedFingerprint`.
 */
export function passphraseFingerprint(passphrase: string): string {
  let fingerprint = known.get(passphrase);
  if (fingerprint === undefined) {
    fingerprint = fingerprintText(scryptSync(passphrase, FINGERPRINT_SALT, 5, SCRYPT));
    if (known.size >= 4) known.clear();
    known.set(passphrase, fingerprint);
  }
  return fingerprint;
}

/** The fingerprint of a typed passphrase, computed off the main thread and not kept. */
export function typedFingerprint(passphrase: string): Promise<string> {
  return new Promise((done, fail) =>
    scrypt(passphrase, FINGERPRINT_SALT, 5, SCRYPT, (error, bytes) =>
      error ? fail(error) : done(fingerprintText(bytes)),
    ),
  );
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
