import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../../lib/hash.ts";
import { OffsiteError } from "../errors.ts";
import type { OffsiteTarget } from "../places/target.ts";
import { decryptWithPassphrase, encryptWithPassphrase } from "./age.ts";
import { ageLibrary } from "./age-library.ts";
import { holdsOnlyOlderCopies } from "./older-places.ts";

/**
 * A place's key: an age identity (X25519) kept in the place as `business-app-key.age`, encrypted
 * with the passphrase. Copies there are encrypted to it, and every sidecar there carries a MAC made
 * with a key derived from it, so that with the passphrase a copy counts only when this app wrote
 * it. `age -d -i business-app-key.age COPY.db.age` opens a copy with Debian's age (which asks for
 * the passphrase). The key file's presence also marks the place as one that holds encrypted copies.
 */
export const KEY_FILE = "business-app-key.age";
const KEY_LIMIT = 16 * 1024;

export interface PlaceKey {
  /** `AGE-SECRET-KEY-1…`: opens the copies. */
  identity: string;
  /** `age1…`: what copies are encrypted to. */
  recipient: string;
  /** Signs and checks sidecars (HMAC-SHA256). */
  macKey: Uint8Array;
}

/**
 * Keys opened in this process, per place, key file (its SHA-256) and passphrase: a key file costs
 * one scrypt (256 MiB for about a second, freed at once) per process, however many runs, copies
 * and downloads follow; two asking at once share it. Kept in memory only, never written anywhere
 * (docs/files.md says why).
 */
const opened = new Map<string, Promise<PlaceKey>>();

async function keyOf(identity: string): Promise<PlaceKey> {
  const macKey = new Uint8Array(hkdfSync("sha256", identity, "", "BusinessApp sidecar MAC v1", 32));
  const { identityToRecipient } = await ageLibrary();
  return { identity, recipient: await identityToRecipient(identity), macKey };
}

/** The identity line of a key file's text: lines starting with `#` are comments, as age reads them. */
function identityIn(text: string): string | null {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  return lines.length === 1 && /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/.test(lines[0] ?? "")
    ? (lines[0] as string)
    : null;
}

/** The key file's bytes, read directly (a listing that leaves it out proves nothing); null when there is none. */
async function readKeyFile(target: OffsiteTarget, signal?: AbortSignal): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of await target.read(KEY_FILE, signal)) {
      size += chunk.byteLength;
      if (size > KEY_LIMIT)
        throw new OffsiteError("offsite.damaged", `${KEY_FILE} is not a key file`, target.where);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof OffsiteError && error.code === "offsite.not_found") return null;
    throw error;
  }
  return new Uint8Array(Buffer.concat(chunks));
}

async function openKeyFile(file: Uint8Array, passphrase: string, target: OffsiteTarget): Promise<PlaceKey> {
  const text = await decryptWithPassphrase(file, passphrase, `${KEY_FILE} in ${target.label}`);
  const identity = identityIn(text);
  if (!identity) throw new OffsiteError("offsite.damaged", `${KEY_FILE} holds no key`, target.where);
  return keyOf(identity);
}

/** What is known of a place's key here. */
export interface KeyRecord {
  /** The recipient of the key first made or opened for this place here, or null. */
  pinned: string | null;
  /** The place holds, or has held, encrypted copies: its key must be there. */
  encrypted: boolean;
}

const NOTHING_KNOWN: KeyRecord = { pinned: null, encrypted: false };

function keyMissing(target: OffsiteTarget): OffsiteError {
  return new OffsiteError(
    "offsite.damaged",
    `${KEY_FILE} is missing from ${target.label}`,
    `${target.where}: the encrypted copies there cannot be opened without it; nothing is written there until it is back`,
  );
}

/**
 * The place's key, opened with `passphrase`; null when the place has none. Throws `OffsiteError`:
 * `offsite.wrong_passphrase` when the passphrase does not open it (the place was set up with
 * another), `offsite.damaged` when it is not a key file, or not the key this installation knows
 * for this place (`known.pinned`: one swapped in from elsewhere).
 */
export async function openPlaceKey(
  target: OffsiteTarget,
  passphrase: string,
  known: KeyRecord = NOTHING_KNOWN,
  signal?: AbortSignal,
): Promise<PlaceKey | null> {
  const file = await readKeyFile(target, signal);
  if (!file) return null;
  const cacheKey = `${target.id}\0${target.where}\0${sha256Hex(file)}\0${sha256Hex(passphrase)}`;
  let opening = opened.get(cacheKey);
  if (!opening) {
    opening = openKeyFile(file, passphrase, target);
    opened.set(cacheKey, opening);
    // A failure is not kept: a passphrase set right, a key file put back, opens at the next try.
    opening.catch(() => opened.delete(cacheKey));
  }
  const key = await opening;
  if (known.pinned !== null && key.recipient !== known.pinned)
    throw new OffsiteError(
      "offsite.damaged",
      `${KEY_FILE} in ${target.label} is not the key BusinessApp made there`,
      `${target.where}: nothing is written there; put the place's own key file back`,
    );
  return key;
}

/**
 * The place's key for a run that writes there: opened, or — only for a place that has never held
 * encrypted copies and has no key this installation knows, or one whose copies an older version
 * encrypted with the passphrase itself (`older-places.ts`) — made and written there. A missing key
 * in a place of encrypted copies is refused, never replaced (the copies made with it would be lost
 * to anyone). The key is remembered (`remember`, its recipient), so a key swapped in later is
 * refused.
 */
export async function placeKey(
  target: OffsiteTarget,
  passphrase: string,
  options: {
    known: KeyRecord;
    /** The encrypted copies the place lists now. */
    encryptedCopies: string[];
    remember: (recipient: string) => Promise<void>;
    clock: () => Date;
    signal?: AbortSignal | undefined;
  },
): Promise<PlaceKey> {
  const { known, signal } = options;
  const existing = await openPlaceKey(target, passphrase, known, signal);
  if (existing) {
    if (known.pinned === null) await options.remember(existing.recipient);
    return existing;
  }
  const { encryptedCopies } = options;
  if (known.pinned !== null || known.encrypted || encryptedCopies.length > 0) {
    // A place of an older version's copies (each with the passphrase itself) gets its key now.
    const older =
      known.pinned === null && (await holdsOnlyOlderCopies(target, encryptedCopies, passphrase, signal));
    if (!older) throw keyMissing(target);
  }
  const identity = await (await ageLibrary()).generateX25519Identity();
  const text = [
    "# BusinessApp's key for the encrypted off-site copies in this place, itself encrypted with the passphrase.",
    `# Open a copy with Debian's age: age -d -i ${KEY_FILE} -o backup.db COPY.db.age`,
    `# created: ${options.clock().toISOString()}`,
    identity,
    "",
  ].join("\n");
  await target.write(KEY_FILE, await encryptWithPassphrase(text, passphrase), signal);
  // Read back through the same path every later run takes: what is written is what opens.
  const written = await openPlaceKey(target, passphrase, known, signal);
  if (!written) throw new OffsiteError("offsite.damaged", `${KEY_FILE} could not be written`, target.where);
  await options.remember(written.recipient);
  return written;
}

/** The MAC of a sidecar's text (its fields but the MAC, in their fixed order). */
export function macOf(key: PlaceKey, text: string): string {
  return createHmac("sha256", key.macKey).update(text).digest("hex");
}

/** True when `mac` is the MAC of `text` under `key`, compared in constant time. */
export function macMatches(key: PlaceKey, text: string, mac: string): boolean {
  const want = Buffer.from(macOf(key, text), "hex");
  const got = Buffer.from(/^[0-9a-f]{64}$/.test(mac) ? mac : "", "hex");
  return got.length === want.length && timingSafeEqual(got, want);
}
