import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { sha256Hex } from "../lib/hash.ts";
import { decryptWithPassphrase, encryptWithPassphrase } from "./age.ts";
import { OffsiteError } from "./errors.ts";
import type { OffsiteTarget } from "./target.ts";

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

/** Keys already opened in this process: a key file opens with one scrypt, not one per run. */
const opened = new Map<string, PlaceKey>();

async function keyOf(identity: string): Promise<PlaceKey> {
  const macKey = new Uint8Array(hkdfSync("sha256", identity, "", "BusinessApp sidecar MAC v1", 32));
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

async function readKeyFile(target: OffsiteTarget): Promise<Uint8Array | null> {
  const files = await target.list();
  const file = files.find((f) => f.name === KEY_FILE);
  if (!file) return null;
  if (file.size > KEY_LIMIT)
    throw new OffsiteError("offsite.damaged", `${KEY_FILE} is not a key file`, target.where);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of await target.read(KEY_FILE)) {
    size += chunk.byteLength;
    if (size > KEY_LIMIT)
      throw new OffsiteError("offsite.damaged", `${KEY_FILE} is not a key file`, target.where);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * The place's key, opened with `passphrase`; null when the place has no key file. Throws
 * `OffsiteError`: `offsite.wrong_passphrase` when the passphrase does not open it (the place was
 * set up with another), `offsite.damaged` when it is not a key file.
 */
export async function openPlaceKey(target: OffsiteTarget, passphrase: string): Promise<PlaceKey | null> {
  const file = await readKeyFile(target);
  if (!file) return null;
  const cacheKey = `${target.id}\0${target.where}\0${sha256Hex(file)}\0${sha256Hex(passphrase)}`;
  const known = opened.get(cacheKey);
  if (known) return known;
  const text = await decryptWithPassphrase(file, passphrase, `${KEY_FILE} in ${target.label}`);
  const identity = identityIn(text);
  if (!identity) throw new OffsiteError("offsite.damaged", `${KEY_FILE} holds no key`, target.where);
  const key = await keyOf(identity);
  opened.set(cacheKey, key);
  return key;
}

/** The place's key, made and written there when it has none yet. */
export async function placeKey(
  target: OffsiteTarget,
  passphrase: string,
  clock: () => Date,
): Promise<PlaceKey> {
  const existing = await openPlaceKey(target, passphrase);
  if (existing) return existing;
  const identity = await generateX25519Identity();
  const text = [
    "# BusinessApp's key for the encrypted off-site copies in this place, itself encrypted with the passphrase.",
    `# Open a copy with Debian's age: age -d -i ${KEY_FILE} -o backup.db COPY.db.age`,
    `# created: ${clock().toISOString()}`,
    identity,
    "",
  ].join("\n");
  await target.write(KEY_FILE, await encryptWithPassphrase(text, passphrase));
  // Read back through the same path every later run takes: what is written is what opens.
  const written = await openPlaceKey(target, passphrase);
  if (!written) throw new OffsiteError("offsite.damaged", `${KEY_FILE} could not be written`, target.where);
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
