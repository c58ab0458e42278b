import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/files/fs-sync.ts";
import type { SharingWait } from "../../lib/files/sharing.ts";
import { type BackupKind, isPlainBackupName, parseBackupName } from "./names.ts";

export const MANIFEST_FILE = "manifest.json";

export type BackupHealth = "verified" | "damaged" | "unchecked";

/** One backup as the list, the API and `list --json` show it. */
export interface BackupEntry {
  name: string;
  kind: BackupKind;
  /** ISO 8601 time. */
  createdAt: string;
  size: number;
  description: string;
  createdBy: string | null;
  health: BackupHealth;
  sha256: string | null;
}

/** What the manifest keeps beyond the public fields. */
export interface ManifestRecord extends BackupEntry {
  checkedAt: string | null;
  /** Why it is damaged, in words. */
  reason: string | null;
  /** A safety copy taken of a database that was itself damaged: never an emergency restore source. */
  sourceDamaged: boolean;
  /**
   * How the file came to be, when the app made it: a snapshot of its own database, or a foreign
   * file it rebuilt (`rebuild.ts`). Absent for a file it cannot prove it wrote (copied in by hand,
   * uploaded by an older version, listed again after the manifest was lost): a restore rebuilds
   * such a file rather than copy it (`restoresByCopy`).
   */
  origin?: "snapshot" | "rebuilt";
  /**
   * The identity of the database the backup's data is of (`database_identity`), as recorded when it
   * was made or first checked; absent when unknown (an older version's backup, a file without one).
   */
  databaseId?: string | null;
  /**
   * When its data was taken (ISO 8601): the time of a snapshot the app made; null for a file whose
   * data time nobody knows (an upload, a file copied in). "Newest" is judged by it, never by when a
   * file arrived.
   */
  dataAt?: string | null;
  /**
   * On a restore's safety backup: the identity of the database the restore put in place. From its
   * `dataAt` on, that database is this installation's (what "this database" is when the file is gone).
   */
  restoredId?: string | null;
  /** Tables the last full check found that BusinessApp does not know (kept as plain data). */
  unknownTables?: string[];
  /**
   * The last full check it passed (`integrity_check` and the trust rule) and the SHA-256 of the
   * bytes it judged: a restore whose copy hashes the same needs no second full check.
   */
  fullCheck?: { sha256: string; at: string } | null;
  /**
   * Rows per table, counted by the first full check the file passed (its SHA-256 the one recorded
   * when it was made, so these are the counts it was made with); never replaced afterwards. A
   * restore drill compares its restored copy with them.
   */
  rowCounts?: Record<string, number>;
}

/** True when the app made `record`'s file itself: a restore may put its bytes in place as they are. */
export function restoresByCopy(record: Pick<ManifestRecord, "origin">): boolean {
  return record.origin === "snapshot" || record.origin === "rebuilt";
}

/** True when `record` passed a full check as it is now (its hash then is its hash now). */
export function passedFullCheck(record: ManifestRecord): boolean {
  return record.health === "verified" && !!record.fullCheck && record.fullCheck.sha256 === record.sha256;
}

/** The newest backup that passed its check (a listing is sorted newest first); never a damaged copy. */
export function newestHealthy<T extends Pick<BackupEntry, "health">>(listing: T[]): T | undefined {
  return listing.find((r) => r.health === "verified");
}

interface ManifestFile {
  version: 1;
  backups: Record<string, ManifestRecord>;
}

/**
 * Reads the manifest. A missing, unreadable or damaged manifest is never fatal: the listing is
 * rebuilt from the files (`rebuilt` tells the caller to log it and write a new one).
 */
export function readManifest(dir: string): { records: Map<string, ManifestRecord>; rebuilt: boolean } {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_FILE), "utf8");
  } catch {
    return { records: new Map(), rebuilt: false };
  }
  try {
    const data = JSON.parse(text) as ManifestFile;
    if (data?.version !== 1 || typeof data.backups !== "object" || data.backups === null)
      throw new Error("shape");
    const records = new Map<string, ManifestRecord>();
    for (const [name, record] of Object.entries(data.backups)) {
      if (isPlainBackupName(name) && typeof record === "object" && record !== null) {
        records.set(name, { ...record, name });
      }
    }
    return { records, rebuilt: false };
  } catch {
    return { records: new Map(), rebuilt: true };
  }
}

/** Replaces the manifest atomically (a crash leaves the old or the new one). */
export async function writeManifest(
  dir: string,
  records: Iterable<ManifestRecord>,
  wait: SharingWait = { timeoutMs: 0 },
): Promise<void> {
  const backups: Record<string, ManifestRecord> = {};
  for (const record of records) backups[record.name] = record;
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify({ version: 1, backups }, null, 2)}\n`, {
    wait,
  });
}

export interface FolderFile {
  name: string;
  size: number;
  modified: Date;
}

/**
 * The backup files in the folder: regular `*.db` files with plain names. Links are never
 * followed (a link could point anywhere), hidden temporary files are never listed.
 */
export function scanFolder(dir: string): FolderFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const files: FolderFile[] = [];
  for (const name of names) {
    if (!isPlainBackupName(name)) continue;
    try {
      const stat = lstatSync(join(dir, name));
      if (stat.isFile()) files.push({ name, size: stat.size, modified: stat.mtime });
    } catch {
      // Removed while we looked: not a backup any more.
    }
  }
  return files;
}

/**
 * The listing, newest first: the folder's files are the truth. A file the manifest knows keeps
 * its record (unless its size changed: then it is a different file, unchecked); a file it does
 * not know appears with the kind its name shows (or external), unchecked; a record whose file is
 * gone disappears.
 */
export function mergeListing(files: FolderFile[], records: Map<string, ManifestRecord>): ManifestRecord[] {
  const merged = files.map((file): ManifestRecord => {
    const known = records.get(file.name);
    if (known && known.size === file.size) return known;
    const parsed = parseBackupName(file.name);
    return {
      name: file.name,
      kind: parsed.kind,
      createdAt: (parsed.at ?? file.modified).toISOString(),
      size: file.size,
      description: known?.description ?? "",
      createdBy: known?.createdBy ?? null,
      health: "unchecked",
      sha256: null,
      checkedAt: null,
      reason: null,
      sourceDamaged: known?.sourceDamaged ?? false,
    };
  });
  return merged.sort(newestFirst);
}

/** Newest `createdAt` first, then by name, descending: the order of the backup list. */
export function newestFirst(
  a: { createdAt: string; name: string },
  b: { createdAt: string; name: string },
): number {
  return b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name);
}

const createdTimes = new WeakMap<object, number>();

/**
 * `Date.parse(record.createdAt)`, remembered for a frozen record (the kept listing's, which never
 * changes): the page and the alerts ask it of every backup at each look.
 */
export function createdMs(record: Pick<BackupEntry, "createdAt">): number {
  const known = createdTimes.get(record);
  if (known !== undefined) return known;
  const at = Date.parse(record.createdAt);
  if (Object.isFrozen(record)) createdTimes.set(record, at);
  return at;
}

/** The public fields of a record, as the API shows them. */
export function publicEntry(record: ManifestRecord): BackupEntry {
  const { name, kind, createdAt, size, description, createdBy, health, sha256 } = record;
  return { name, kind, createdAt, size, description, createdBy, health, sha256 };
}

/**
 * What is known of a backup brought into the folder (an off-site copy): when it was made, its
 * SHA-256, and — when the copy is proven the app's own — who made it and why, and how it came to
 * be (a restore then puts it in place as it is; a file of unknown origin is rebuilt).
 */
export interface BroughtIn {
  createdAt: string;
  sha256: string;
  description: string;
  createdBy: string | null;
  origin: "snapshot" | "rebuilt" | null;
  databaseId: string | null;
  dataAt: string | null;
  /** The rows of each table when it was made, as its story says; null when not known. */
  rowCounts?: Record<string, number> | null;
  /** The full check it passed just before it was brought in (its bytes hash to `sha256`). */
  checked?: { at: string; unknownTables: string[] };
}
