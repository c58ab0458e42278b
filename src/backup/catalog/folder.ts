import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  renameSync,
  statSync,
} from "node:fs";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { isDiskFull } from "#runtime/errors.ts";
import { describeError } from "../../lib/errors.ts";
import { fsyncDir, fsyncFile } from "../../lib/files/fs-sync.ts";
import { type SharingWait, whileInUse } from "../../lib/files/sharing.ts";
import { leftoverOf, tempNameFor } from "../../lib/files/temp-name.ts";
import { sha256File } from "../../lib/hash.ts";
import type { Log } from "../../lib/log.ts";
import {
  BackupFolderError,
  BackupNotFoundError,
  InvalidBackupNameError,
  ListNotWrittenError,
  ProtectedBackupError,
} from "../errors.ts";
import {
  type BroughtIn,
  type ManifestRecord,
  mergeListing,
  readManifest,
  scanFolder,
  writeManifest,
} from "./manifest.ts";
import {
  type BackupKind,
  backupFileName,
  isPlainBackupName,
  keptStartupName,
  parseBackupName,
  STARTUP_NAME,
  uniqueName,
} from "./names.ts";
import { planRetention, type RetentionFacts, type RetentionLimits } from "./retention.ts";

/**
 * The backup folder: its files (the truth) and the manifest that adds what a file cannot say.
 * Writing methods are called by the engine while it holds the operation lock.
 */
export class BackupFolder {
  readonly dir: string;
  /** How long a rename or delete waits for another program that holds the file. */
  readonly wait: SharingWait;
  readonly #log: Log;

  constructor(dir: string, log: Log, wait: SharingWait) {
    this.dir = dir;
    this.#log = log;
    this.wait = wait;
  }

  /** The backups, newest first; the folder's files are the truth (see `mergeListing`). */
  list(): ManifestRecord[] {
    return mergeListing(scanFolder(this.dir), readManifest(this.dir).records);
  }

  /**
   * The time to give a backup made now: the clock's, or, when the clock is behind the data of the
   * newest backup the app made here (set back by hand, or a PC that lost its date), one second
   * after it, said in the log: what is made last is always the newest, for retention and for
   * Emergency Restore alike. Only times the app recorded count (not a name a copied-in file has).
   */
  datedNow(now: Date): Date {
    let newest = Number.NEGATIVE_INFINITY;
    for (const record of this.list()) {
      const at = record.dataAt ? Date.parse(record.dataAt) : Number.NaN;
      if (Number.isFinite(at) && at > newest) newest = at;
    }
    if (now.getTime() >= newest) return now;
    const dated = new Date(newest + 1000);
    if (newest - now.getTime() > 60_000)
      this.#log.warning(
        `The PC's clock (${now.toISOString()}) is behind the newest backup (${new Date(newest).toISOString()}): this one is dated ${dated.toISOString()} so that it counts as the newest. Set this PC's date and time.`,
      );
    return dated;
  }

  /** Names of the backup files there now. */
  names(): Set<string> {
    return new Set(scanFolder(this.dir).map((f) => f.name));
  }

  /**
   * The name for a new backup of `kind` made `at` (`backupFileName`), `_2`, `_3` … added while a
   * file there has it; the startup backup keeps its one name (it replaces the one before).
   */
  newName(kind: Exclude<BackupKind, "external">, at: Date, description = ""): string {
    const name = backupFileName(kind, at, description);
    if (kind === "startup") return name;
    const existing = this.names();
    return uniqueName(name, (n) => existing.has(n));
  }

  /**
   * The listed backup called `name` (in `listing`, when the caller has just listed); a name that
   * is not a plain listed file name is refused.
   */
  find(name: string, listing = this.list()): ManifestRecord {
    if (!isPlainBackupName(name)) throw new InvalidBackupNameError();
    const record = listing.find((r) => r.name === name);
    if (!record) throw new BackupNotFoundError(name);
    return record;
  }

  pathOf(name: string): string {
    return join(this.dir, name);
  }

  /** Reads the manifest (rebuilding it if damaged), applies `change`, and writes it atomically. */
  async update(change: (records: Map<string, ManifestRecord>) => void): Promise<void> {
    const { records, rebuilt } = readManifest(this.dir);
    if (rebuilt) this.#log.warning("The backup manifest was damaged; it was rebuilt from the backup files");
    const current = new Map(mergeListing(scanFolder(this.dir), records).map((r) => [r.name, r]));
    change(current);
    try {
      await writeManifest(this.dir, current.values(), this.wait);
    } catch (error) {
      if (isDiskFull(error)) throw new ListNotWrittenError();
      throw error;
    }
  }

  /**
   * Deletes a backup's file (waiting for a program that holds it; then `FileInUseError`) and its
   * manifest entry, and logs it. Files are deleted off the thread: freeing a large file's space
   * takes the file system a while.
   */
  /** Deletes the listed backup `name` as `remove` does, but never the one `kept` names (`ProtectedBackupError`). */
  async removeUnlessNewest(
    name: string,
    by: string | null,
    kept: (listing: ManifestRecord[]) => string | undefined,
  ): Promise<void> {
    const listing = this.list();
    const record = this.find(name, listing);
    if (kept(listing) === record.name) throw new ProtectedBackupError(name);
    await this.remove(record, by);
  }

  async remove(record: ManifestRecord, by: string | null): Promise<void> {
    const path = this.pathOf(record.name);
    await whileInUse(path, () => unlink(path), this.wait);
    await this.update((records) => records.delete(record.name));
    this.#log.info(`Backup deleted: ${record.name}${by ? ` by ${by}` : ""}`);
  }

  /**
   * Renames the finished file `temp` to the backup `name` (waiting for a program that holds a
   * file of that name), flushing the folder. A file it replaces (the startup slot's) is first
   * linked aside under a hidden name and deleted off the thread afterwards: a rename that drops
   * a large file's last link blocks while the file system frees it. A crash between leaves only
   * that hidden leftover.
   */
  async replace(temp: string, name: string): Promise<void> {
    const target = this.pathOf(name);
    const aside = this.pathOf(tempNameFor(name, "replaced"));
    let linked = false;
    try {
      linkSync(target, aside);
      linked = true;
    } catch {
      // Nothing there yet, or a file system without links: the rename frees it, as before.
    }
    try {
      await whileInUse(target, () => renameSync(temp, target), this.wait);
      fsyncDir(this.dir);
    } finally {
      // Held by another program: a leftover the next start removes.
      if (linked) await unlink(aside).catch(() => {});
    }
  }

  /**
   * How a file with SHA-256 `sha256`, to be brought in as `name`, meets the folder: "same" when
   * the folder holds those very bytes (by the SHA-256 recorded, else the file's now); "free" when
   * there is no such backup, or it is damaged and was, when made, this same backup (or is of
   * unknown bytes): it may be replaced; "taken" when another file has the name (a file copied in
   * by hand, another backup), which is never replaced.
   */
  async compareIncoming(name: string, sha256: string): Promise<"same" | "free" | "taken"> {
    const here = this.list().find((r) => r.name === name);
    if (!here || (here.health === "damaged" && (here.sha256 ?? sha256) === sha256)) return "free";
    return (here.sha256 ?? (await sha256File(this.pathOf(name)))) === sha256 ? "same" : "taken";
  }

  /**
   * Renames a finished file in as the backup `name` (`replace`) and records what is known of it
   * (`BroughtIn`): listed unchecked, so the restore that follows gives it the full check.
   */
  async bringIn(temp: string, name: string, about: BroughtIn): Promise<void> {
    const size = statSync(temp).size;
    await this.replace(temp, name);
    await this.update((records) =>
      records.set(name, {
        name,
        kind: parseBackupName(name).kind,
        createdAt: about.createdAt,
        size,
        description: about.description,
        createdBy: about.createdBy,
        health: about.checked ? "verified" : "unchecked",
        sha256: about.sha256,
        checkedAt: about.checked?.at ?? null,
        reason: null,
        sourceDamaged: false,
        ...(about.origin ? { origin: about.origin } : {}),
        databaseId: about.databaseId,
        dataAt: about.dataAt,
        ...(about.rowCounts ? { rowCounts: about.rowCounts } : {}),
        ...(about.checked
          ? {
              fullCheck: { sha256: about.sha256, at: about.checked.at },
              unknownTables: about.checked.unknownTables,
            }
          : {}),
      }),
    );
  }

  /**
   * Before a new startup backup takes `startup_backup.db`: the one there is kept under its own time
   * (`startup_YYYYMMDD_HHMMSS.db`), its record moved with it, so no startup backup is ever replaced
   * (retention removes old ones, those of this database only). A crash between leaves both whole.
   * Returns the kept name, or null when there was none.
   */
  async keepPreviousStartup(): Promise<string | null> {
    const listing = this.list();
    const current = listing.find((r) => r.name === STARTUP_NAME);
    if (!current) return null;
    const names = new Set(listing.map((r) => r.name));
    const kept = uniqueName(keptStartupName(new Date(current.dataAt ?? current.createdAt)), (n) =>
      names.has(n),
    );
    const from = this.pathOf(STARTUP_NAME);
    await whileInUse(from, () => renameSync(from, this.pathOf(kept)), this.wait);
    fsyncDir(this.dir);
    await this.update((records) => {
      records.delete(STARTUP_NAME);
      records.set(kept, { ...current, name: kept });
    });
    return kept;
  }

  /** Makes the finished file `temp` readable by its owner only, flushes it, and renames it in as `name` (`replace`). */
  async moveIn(temp: string, name: string): Promise<void> {
    if (process.platform !== "win32") chmodSync(temp, 0o600);
    fsyncFile(temp);
    await this.replace(temp, name);
  }

  /** Creates the folder if missing; a file in its place or a read-only folder is a `BackupFolderError`. */
  ensureWritable(): void {
    const dir = this.dir;
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new BackupFolderError(`the backup folder ${dir} is not a folder (a file has its name)`);
    }
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch (error) {
      throw new BackupFolderError(`the backup folder ${dir} cannot be written (${describeError(error)})`);
    }
  }

  /**
   * Deletes what retention plans (see `planRetention`), optionally only of some kinds, never the
   * protected names; logs each removal as "Removed old backup: NAME". A file another program holds
   * stays, with a WARNING, until the next time retention runs.
   */
  async applyRetention(
    limits: RetentionLimits,
    facts: RetentionFacts,
    options: { protect?: ReadonlySet<string>; kinds?: ReadonlySet<BackupKind> } = {},
  ): Promise<void> {
    const planned = planRetention(this.list(), limits, facts, options.protect);
    let removed = 0;
    for (const record of planned.filter((r) => !options.kinds || options.kinds.has(r.kind))) {
      try {
        await unlink(this.pathOf(record.name));
        this.#log.info(`Removed old backup: ${record.name}`);
        removed++;
      } catch (error) {
        this.#log.warning(`Could not remove old backup ${record.name}: ${describeError(error)}`);
      }
    }
    // The manifest drops what is gone; with nothing removed it stays as it is.
    if (removed > 0) await this.update(() => {});
  }

  /** `applyRetention` where a failure must not undo what was done: it is logged as a WARNING. */
  async applyRetentionQuietly(
    limits: RetentionLimits,
    facts: RetentionFacts,
    options: { protect?: ReadonlySet<string>; kinds?: ReadonlySet<BackupKind> } = {},
  ): Promise<void> {
    try {
      await this.applyRetention(limits, facts, options);
    } catch (error) {
      this.#log.warning(`Retention failed: ${describeError(error)}`);
    }
  }

  /**
   * What an interrupted backup or upload left behind: the app's hidden temporary files
   * (`leftoverOf`: snapshots, uploads, copies on their way in) and the `-journal`, `-wal` and
   * `-shm` files SQLite keeps beside one while it writes it, which a kill leaves too.
   */
  leftovers(): string[] {
    try {
      return readdirSync(this.dir)
        .filter((name) => leftoverOf(name) !== null)
        .map((name) => this.pathOf(name));
    } catch {
      // No backup folder yet: nothing left over.
      return [];
    }
  }
}
