import {
  type BackupKind,
  isPlainBackupName,
  type ManifestRecord,
  newestFirst,
  parseBackupName,
} from "../../backup/index.ts";
import { isChangesObject } from "../continuous/manifest.ts";
import { KEY_FILE, type PlaceKey } from "../crypto/keys.ts";
import { OffsiteError } from "../errors.ts";
import { type OffsiteTarget, readText, type TargetFile } from "../places/target.ts";
import { AUDIT_COPY, AUDIT_SIDECAR, type AuditCopy, readAuditCopy } from "./audit-copy.ts";
import type { PlaceRecord } from "./ledger.ts";
import { type ReadSidecar, readSidecarText, type Sidecar } from "./sidecar.ts";

/** An encrypted copy's name: the backup's name and this (`backup_20250922_143000.db.age`). */
const AGE_SUFFIX = ".age";
/** Beside each copy, written after it: what it holds and how to check it. */
const SIDECAR_SUFFIX = ".json";
const SIDECAR_LIMIT = 64 * 1024;

/** A whole off-site copy: its sidecar, the name it has there, the kind its name gives. */
export interface RemoteCopy extends Sidecar {
  copyName: string;
  kind: BackupKind;
  /**
   * This app wrote it, provably: its MAC holds under the place's key, or (without a passphrase)
   * this installation recorded writing exactly this copy and this sidecar. Only such copies are
   * counted by retention, chosen by a restore of the newest, or removed.
   */
  proven: boolean;
}

/** An off-site copy as a backup of the list (one only off-site): it was verified when it was copied. */
export function copyAsRecord(copy: RemoteCopy): ManifestRecord {
  return {
    name: copy.name,
    kind: copy.kind,
    createdAt: copy.createdAt,
    size: copy.size,
    description: copy.description,
    createdBy: copy.createdBy,
    health: "verified",
    sha256: copy.sha256,
    checkedAt: null,
    reason: null,
    sourceDamaged: false,
    databaseId: copy.databaseId,
    dataAt: copy.dataAt,
    // Counts said by a copy this app cannot prove its own are not shown as facts.
    ...(copy.proven && copy.rowCounts ? { rowCounts: copy.rowCounts } : {}),
  };
}

export const copyNameOf = (name: string, encrypted: boolean) => (encrypted ? `${name}${AGE_SUFFIX}` : name);
export const sidecarNameOf = (copyName: string) => `${copyName}${SIDECAR_SUFFIX}`;

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
  /** The audit trail's copy there, proven the app's own (`readAuditCopy`), or null. */
  audit: AuditCopy | null;
}

async function readSidecar(
  target: OffsiteTarget,
  file: TargetFile,
  key: PlaceKey | null,
  signal: AbortSignal | undefined,
): Promise<ReadSidecar | null> {
  if (file.size > SIDECAR_LIMIT) return null;
  let body: string;
  try {
    body = await readText(await target.read(file.name, signal), SIDECAR_LIMIT);
  } catch (error) {
    // Gone since the listing, or not ours; a failure of the storage itself is the caller's.
    if (!(error instanceof OffsiteError) || error.code !== "offsite.not_found") throw error;
    return null;
  }
  return readSidecarText(body, key);
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
  const read = await mapFew(sidecarFiles, (file) => readSidecar(target, file, key, signal));
  const copies: RemoteCopy[] = [];
  const unproven: RemoteCopy[] = [];
  const superseded: RemoteCopy[] = [];
  const accounted = new Set<string>([KEY_FILE]);
  const audit = await readAuditCopy(target, files, key, signal);
  if (audit) {
    accounted.add(AUDIT_COPY);
    accounted.add(AUDIT_SIDECAR);
  }
  sidecarFiles.forEach((file, i) => {
    const copyName = file.name.slice(0, -SIDECAR_SUFFIX.length);
    const found = read[i];
    const name = backupNameOf(copyName);
    if (!found || !name || found.sidecar.name !== name) return;
    const { sidecar } = found;
    if (copyNameOf(name, sidecar.encrypted) !== copyName || sizes.get(copyName) !== sidecar.copySize) return;
    const mine = record.copies[copyName];
    // What was written, sidecar and all: a sidecar changed since (its date, its origin) proves nothing.
    const recorded =
      mine !== undefined &&
      mine.sha256 === sidecar.copySha256 &&
      mine.size === sidecar.copySize &&
      mine.sidecar === found.textSha256;
    const copy: RemoteCopy = { ...sidecar, copyName, kind: parseBackupName(name).kind, proven: false };
    if (encrypted && !sidecar.encrypted) {
      // A plain copy in a place of encrypted copies: this installation's own from before, which
      // goes once its encrypted copies are made; anyone else's is left alone, whatever it says.
      if (!recorded) return;
      superseded.push(copy);
    } else if (key ? found.signed : recorded) copies.push({ ...copy, proven: true });
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
    // Continuous protection's objects are judged by its own rules (`continuous/manifest.ts`).
    if (accounted.has(file.name) || isChangesObject(file.name)) continue;
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
    audit,
  };
}
