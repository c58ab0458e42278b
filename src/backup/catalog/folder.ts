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
import { fsyncDirAsync, fsyncFileAsync } from "../../lib/files/fs-sync.ts";
import { type SharingWait, whileInUse } from "../../lib/files/sharing.ts";
import { leftoverOf, tempNameFor } from "../../lib/files/temp-name.ts";
import type { Log } from "../../lib/log.ts";
import {
  BackupFolderError,
  BackupNotFoundError,
  InvalidBackupNameError,
  ListNotWrittenError,
} from "../errors.ts";
import { KeptListing, type ListingTimes } from "./kept-listing.ts";
import { type ManifestRecord, mergeListing, readManifest, scanFolder, writeManifest } from "./manifest.ts";
import { type BackupKind, backupFileName, isPlainBackupName, uniqueName } from "./names.ts";

/**
 * The backup folder: its files (the truth) and the manifest that adds what a file cannot say; its
 * listing kept between reads while the folder is unchanged (`KeptListing`). Writing methods are
 * called by the engine while it holds the operation lock; backups coming in and going are in
 * `arrivals.ts` and `removals.ts`.
 */
/** The last change of each folder's manifest on its way (`BackupFolder.update`). */
const updating = new Map<string, Promise<void>>();

export class BackupFolder {
  readonly dir: string;
  /** How long a rename or delete waits for another program that holds the file. */
  readonly wait: SharingWait;
  readonly log: Log;
  readonly listing: KeptListing;

  constructor(dir: string, log: Log, wait: SharingWait, times: ListingTimes = {}) {
    this.dir = dir;
    this.log = log;
    this.wait = wait;
    this.listing = new KeptListing(dir, times);
  }

  /**
   * The backups, newest first; the folder's files are the truth (see `mergeListing`). Kept
   * between reads while the folder and the manifest are unchanged (`KeptListing`): a fresh array
   * of records no caller may change.
   */
  list(): ManifestRecord[] {
    return this.listing.list();
  }

  /** Drops the kept listing: the folder has just been changed here (or an operation took the lock). */
  forget(): void {
    this.listing.forget();
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
      this.log.warning(
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
  update(change: (records: Map<string, ManifestRecord>) => void): Promise<void> {
    // One at a time per folder, whichever object asks: each reads the manifest the one before it
    // wrote (the write is not instant).
    const updated = (updating.get(this.dir) ?? Promise.resolve()).then(() => this.#update(change));
    const settled = updated.then(
      () => {},
      () => {},
    );
    updating.set(this.dir, settled);
    void settled.then(() => {
      if (updating.get(this.dir) === settled) updating.delete(this.dir);
    });
    return updated;
  }

  async #update(change: (records: Map<string, ManifestRecord>) => void): Promise<void> {
    const { records, rebuilt } = readManifest(this.dir);
    if (rebuilt) this.log.warning("The backup manifest was damaged; it was rebuilt from the backup files");
    const current = new Map(mergeListing(scanFolder(this.dir), records).map((r) => [r.name, r]));
    change(current);
    try {
      await writeManifest(this.dir, current.values(), this.wait);
    } catch (error) {
      if (isDiskFull(error)) throw new ListNotWrittenError();
      throw error;
    } finally {
      this.forget();
    }
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
      await fsyncDirAsync(this.dir);
    } finally {
      this.forget();
      // Held by another program: a leftover the next start removes.
      if (linked) await unlink(aside).catch(() => {});
    }
  }

  /** Makes the finished file `temp` readable by its owner only, flushes it, and renames it in as `name` (`replace`). */
  async moveIn(temp: string, name: string): Promise<void> {
    if (process.platform !== "win32") chmodSync(temp, 0o600);
    await fsyncFileAsync(temp);
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
