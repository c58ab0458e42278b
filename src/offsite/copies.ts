import { z } from "zod";
import { newestFirst } from "../backup/manifest.ts";
import { type BackupKind, isPlainBackupName, parseBackupName } from "../backup/names.ts";
import { sha256Hex } from "../lib/hash.ts";
import { OffsiteError } from "./errors.ts";
import { KEY_FILE, macMatches, macOf, type PlaceKey } from "./keys.ts";
import type { PlaceRecord } from "./ledger.ts";
import { type OffsiteTarget, readText, type TargetFile } from "./target.ts";

/** An encrypted copy's name: the backup's name and this (`backup_20250922_143000.db.age`). */
const AGE_SUFFIX = ".age";
/** Beside each copy, written after it: what it holds and how to check it. */
const SIDECAR_SUFFIX = ".json";
const SIDECAR_LIMIT = 64 * 1024;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0);
const text = z.string().max(1000);

/** What a sidecar says of a copy (every version). */
const sidecarFields = {
  name: z.string().refine(isPlainBackupName),
  createdAt: z.iso.datetime(),
  /** The backup's own bytes (decrypted, for an encrypted copy). */
  size: count,
  sha256: hex64,
  encrypted: z.boolean(),
  /** The copy's bytes as stored (equal to the above for a plain copy). */
  copySize: count,
  copySha256: hex64,
  copiedAt: z.iso.datetime(),
};

/**
 * The sidecar of a copy (`<copy name>.json`): the copy counts only when it is there and matches.
 * Version 2 also carries what the backup is (who made it and why, and whether the app made it),
 * and, in a place with a key, a MAC over all of it that only the passphrase's holder can make.
 */
const sidecarSchema = z.union([
  z.object({ version: z.literal(1), ...sidecarFields }),
  z.object({
    version: z.literal(2),
    ...sidecarFields,
    origin: z.enum(["snapshot", "rebuilt"]).nullable(),
    description: text,
    createdBy: text.nullable(),
    mac: hex64.nullable(),
  }),
]);
type AnySidecar = z.infer<typeof sidecarSchema>;
export type Sidecar = Extract<AnySidecar, { version: 2 }>;

/** A whole off-site copy: its sidecar, the name it has there, the kind its name gives. */
export interface RemoteCopy extends Sidecar {
  copyName: string;
  kind: BackupKind;
  /**
   * This app wrote it, provably: its MAC holds under the place's key, or (without a passphrase)
   * this installation recorded writing exactly these bytes. Only such copies are counted by
   * retention, chosen by a restore of the newest, or removed.
   */
  proven: boolean;
}

export const copyNameOf = (name: string, encrypted: boolean) => (encrypted ? `${name}${AGE_SUFFIX}` : name);
export const sidecarNameOf = (copyName: string) => `${copyName}${SIDECAR_SUFFIX}`;

/** The text a sidecar's MAC covers: its fields but the MAC, in this fixed order. */
function signedText(sidecar: Omit<Sidecar, "mac">): string {
  const { version, name, createdAt, size, sha256, encrypted, copySize, copySha256, copiedAt } = sidecar;
  const { origin, description, createdBy } = sidecar;
  return JSON.stringify({
    version,
    name,
    createdAt,
    size,
    sha256,
    encrypted,
    copySize,
    copySha256,
    copiedAt,
    origin,
    description,
    createdBy,
  });
}

/** A sidecar, with its MAC when the place has a key, and its text. */
export function makeSidecar(
  fields: Omit<Sidecar, "mac" | "version">,
  key: PlaceKey | null,
): { sidecar: Sidecar; text: string } {
  const unsigned = { version: 2 as const, ...fields };
  const sidecar: Sidecar = { ...unsigned, mac: key ? macOf(key, signedText(unsigned)) : null };
  return { sidecar, text: `${JSON.stringify(sidecar, null, 2)}\n` };
}

/** True for the name of an encrypted copy (`NAME.db.age`). */
export const isEncryptedCopyName = (name: string) => name.endsWith(AGE_SUFFIX) && backupNameOf(name) !== null;

/** The backup a copy's name is of, or null for any other name. */
function backupNameOf(copyName: string): string | null {
  const name = copyName.endsWith(AGE_SUFFIX) ? copyName.slice(0, -AGE_SUFFIX.length) : copyName;
  return isPlainBackupName(name) ? name : null;
}

/** How the app may read a place now. */
export interface PlaceAccess {
  /** The place's key (a passphrase is set and the place has one); null otherwise. */
  key: PlaceKey | null;
  /** A passphrase is set on this PC. */
  passphrase: boolean;
  /** What this installation recorded writing there. */
  record: PlaceRecord;
}

/** What a place holds, as the app judges it. */
export interface TargetContents {
  /** Whole copies this app can stand behind (`RemoteCopy.proven`), newest first. */
  copies: RemoteCopy[];
  /**
   * Whole copies that cannot be proven (without a passphrase a sidecar carries no MAC), newest
   * first: a restore on a new PC may use them — each is judged by the trust rule and rebuilt —
   * but retention never counts or removes them.
   */
  unproven: RemoteCopy[];
  /** Plain copies this installation wrote before the place held encrypted ones: removed once the run made their encrypted copies. */
  superseded: RemoteCopy[];
  /**
   * What this installation's interrupted runs left half written here (names it recorded as being
   * written): the next run removes it.
   */
  leftovers: string[];
  /** Copies this installation recorded writing that are no longer whole or no longer proven: left alone, and forgotten. */
  lost: string[];
  /** Objects BusinessApp did not write, or cannot prove it wrote: never counted, chosen or removed. */
  foreign: string[];
  /** The place holds encrypted copies (its key file, an encrypted copy, or this installation knows it did). */
  encrypted: boolean;
}

/** A sidecar as read: what it says, and the SHA-256 of its text (what this installation recorded writing). */
interface ReadSidecar {
  sidecar: AnySidecar;
  textSha256: string;
}

async function readSidecar(
  target: OffsiteTarget,
  file: TargetFile,
  signal: AbortSignal | undefined,
): Promise<ReadSidecar | null> {
  if (file.size > SIDECAR_LIMIT) return null;
  let body: string;
  try {
    body = await readText(await target.read(file.name, signal), SIDECAR_LIMIT);
  } catch (error) {
    // Gone since the listing, or not ours; a failure of the storage itself is the caller's.
    if (error instanceof OffsiteError && error.code !== "offsite.not_found") throw error;
    if (!(error instanceof OffsiteError)) throw error;
    return null;
  }
  try {
    const parsed = sidecarSchema.safeParse(JSON.parse(body));
    return parsed.success ? { sidecar: parsed.data, textSha256: sha256Hex(body) } : null;
  } catch {
    return null;
  }
}

/** `work` on each item, a few at a time (a bucket with many copies gets no burst of requests). */
async function mapFew<T, R>(items: T[], work: (item: T) => Promise<R>, atOnce = 8): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
  return results;
}

/**
 * Judges what `target` holds. A copy is whole when its sidecar is there, names it, and its size is
 * the one the sidecar gives (a cut-off upload or an interrupted write is not a copy). A whole copy
 * counts (`copies`) only when it is proven this app's: with a key, by its sidecar's MAC; without
 * one, by this installation's record of writing exactly that copy and that sidecar. In a place
 * that holds encrypted copies, a plain copy never counts, whatever its sidecar says. The rest is
 * what this installation left half written (`leftovers`: names it recorded as being written) or
 * what is not provably the app's (`foreign`): left alone, never removed — a copy it once wrote
 * whose sidecar no longer proves it (`lost`) included. Throws `OffsiteError` when the target
 * cannot be read.
 */
export async function readContents(
  target: OffsiteTarget,
  access: PlaceAccess,
  signal?: AbortSignal,
): Promise<TargetContents> {
  const files = await target.list(signal);
  const sizes = new Map(files.map((f) => [f.name, f.size]));
  const { record, key } = access;
  // The key file, or an encrypted copy's name, marks a place of encrypted copies for good.
  const encrypted = record.encrypted || sizes.has(KEY_FILE) || files.some((f) => isEncryptedCopyName(f.name));
  const sidecarFiles = files.filter(
    (f) => f.name.endsWith(SIDECAR_SUFFIX) && backupNameOf(f.name.slice(0, -5)),
  );
  const read = await mapFew(sidecarFiles, (file) => readSidecar(target, file, signal));
  const copies: RemoteCopy[] = [];
  const unproven: RemoteCopy[] = [];
  const superseded: RemoteCopy[] = [];
  const accounted = new Set<string>([KEY_FILE]);
  sidecarFiles.forEach((file, i) => {
    const copyName = file.name.slice(0, -SIDECAR_SUFFIX.length);
    const found = read[i];
    const name = backupNameOf(copyName);
    if (!found || !name || found.sidecar.name !== name) return;
    const { sidecar } = found;
    if (copyNameOf(name, sidecar.encrypted) !== copyName || sizes.get(copyName) !== sidecar.copySize) return;
    const full: Sidecar =
      sidecar.version === 2
        ? sidecar
        : { ...sidecar, version: 2, origin: null, description: "", createdBy: null, mac: null };
    const mine = record.copies[copyName];
    // What was written, sidecar and all: a sidecar changed since (its date, its origin) proves nothing.
    const recorded =
      mine !== undefined &&
      mine.sha256 === sidecar.copySha256 &&
      mine.size === sidecar.copySize &&
      mine.sidecar === found.textSha256;
    const signed =
      key !== null &&
      sidecar.version === 2 &&
      sidecar.mac !== null &&
      macMatches(key, signedText(sidecar), sidecar.mac);
    const copy: RemoteCopy = { ...full, copyName, kind: parseBackupName(name).kind, proven: false };
    if (encrypted && !sidecar.encrypted) {
      // A plain copy in a place of encrypted copies: this installation's own from before, which
      // goes once its encrypted copies are made; anyone else's is left alone, whatever it says.
      if (!recorded) return;
      superseded.push(copy);
    } else if (key ? signed : recorded) copies.push({ ...copy, proven: true });
    else {
      // Not proven the app's: left alone and counted as such. Without a passphrase no copy can be
      // proven on a new PC, so a restore there may still use it (judged, and rebuilt).
      if (!access.passphrase) unproven.push(copy);
      return;
    }
    accounted.add(copyName);
    accounted.add(file.name);
  });
  const writing = new Set(Object.keys(record.writing));
  const leftovers: string[] = [];
  const foreign: string[] = [];
  for (const file of files) {
    if (accounted.has(file.name)) continue;
    if (writing.has(file.name)) leftovers.push(file.name);
    else foreign.push(file.name);
  }
  const lost = Object.keys(record.copies).filter((name) => !accounted.has(name));
  return {
    copies: copies.sort(newestFirst),
    unproven: unproven.sort(newestFirst),
    superseded,
    leftovers,
    lost,
    foreign,
    encrypted,
  };
}
