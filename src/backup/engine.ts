import { existsSync, rmSync } from "node:fs";
import { type Clock, systemClock } from "../lib/time.ts";
import { assertValidDescription } from "./description.ts";
import {
  BackupUnusableError,
  DatabaseDamagedError,
  NoUsableBackupError,
  ProtectedBackupError,
  RestoredDatabaseUnusableError,
} from "./errors.ts";
import { BackupFolder } from "./folder.ts";
import { type ManifestRecord, newestHealthy } from "./manifest.ts";
import { OperationRunner } from "./operation.ts";
import { DEFAULT_MANUAL_BACKUPS_PER_HOUR, ManualBackupLimiter } from "./rate-limit.ts";
import { type RestoredHook, restoreDatabase } from "./restore.ts";
import type { RetentionLimits } from "./retention.ts";
import { takeBackup } from "./snapshot.ts";
import { freeSpaceOf, spaceNeeded } from "./space.ts";
import { restoreTempPath } from "./swap.ts";
import type {
  BackupEngineOptions,
  CreateBackupRequest,
  EngineContext,
  HealthRecord,
  Operation,
  RestoreResult,
} from "./types.ts";
import { importUploadedFile, type UploadedFile } from "./upload-import.ts";
import { verifyRecord } from "./verify.ts";
import { checkLiveInWorker } from "./worker-client.ts";

export type { MadeKind } from "./types.ts";
export type { BackupEngineOptions, CreateBackupRequest, HealthRecord, Operation, RestoreResult };
export { spaceNeeded };

/** The files SQLite may keep beside a database file while it is open or after a crash. */
const SQLITE_SIDE_FILES = ["-journal", "-wal", "-shm"];

/**
 * The backup engine: snapshots, listing, retention, verification and restore of one database
 * and its backup folder. It knows nothing of HTTP, cron or flags. Every operation that writes
 * holds the folder's operation lock, so across processes only one runs at a time; a second one
 * gets `BackupBusyError` at once. Failures are logged as ERROR once and kept as `lastError`.
 */
export class BackupEngine {
  readonly database: string;
  readonly backupsDir: string;
  readonly #options: BackupEngineOptions;
  readonly #ctx: EngineContext;
  readonly #operations: OperationRunner;
  readonly #limiter: ManualBackupLimiter;
  readonly #restoredHooks: RestoredHook[] = [];
  readonly #unusableListeners: ((reason: string) => void)[] = [];
  #retention: RetentionLimits;
  databaseHealth: HealthRecord | null = null;

  constructor(options: BackupEngineOptions) {
    this.#options = options;
    this.database = options.database;
    this.backupsDir = options.backupsDir;
    const clock: Clock = options.clock ?? systemClock;
    this.#operations = new OperationRunner({ lockPath: options.operationLock, log: options.log, clock });
    this.#ctx = {
      database: options.database,
      folder: new BackupFolder(options.backupsDir, options.log),
      db: options.db ?? null,
      log: options.log,
      clock,
      freeSpace: options.freeSpace ?? freeSpaceOf,
      operations: this.#operations,
    };
    this.#retention = options.retention;
    this.#limiter = new ManualBackupLimiter(
      options.manualBackupsPerHour ?? DEFAULT_MANUAL_BACKUPS_PER_HOUR,
      clock,
    );
  }

  setRetention(limits: RetentionLimits): void {
    this.#retention = limits;
  }

  /**
   * `hook` runs after every restore on the restored database, open and migrated, before anyone
   * uses it (the app ends every session here, including those carried inside the backup).
   */
  onRestored(hook: RestoredHook): void {
    this.#restoredHooks.push(hook);
  }

  /** `listener` hears when a restored file is in place but will not open (the app enters recovery mode). */
  onDatabaseUnusable(listener: (reason: string) => void): void {
    this.#unusableListeners.push(listener);
  }

  get lastError(): { message: string; at: string } | null {
    return this.#operations.lastError;
  }

  /** The backups, newest first; the folder's files are the truth (see `mergeListing`). */
  list(): ManifestRecord[] {
    return this.#ctx.folder.list();
  }

  /** The listed backup called `name`; a name that is not a plain listed file name is refused. */
  find(name: string): ManifestRecord {
    return this.#ctx.folder.find(name);
  }

  /** The running backup or restore with its progress, or null. */
  progress(): Operation | null {
    return this.#operations.progress();
  }

  /** Free bytes on the backup folder's disk, or null when it cannot be told (folder missing). */
  freeBytes(): number | null {
    try {
      return this.#ctx.freeSpace(this.backupsDir);
    } catch {
      return null;
    }
  }

  /** Resolves once the operation running now (if any) has ended. */
  idle(): Promise<void> {
    return this.#operations.idle();
  }

  /**
   * Deletes what a crashed backup, upload or restore left behind: hidden `.…tmp` files in the
   * backup folder and their `-journal`/`-wal`/`-shm`, the restore's temporary copy beside the
   * database and its own. Skipped while another process holds the lock, since the files may be
   * its work in progress.
   */
  cleanupLeftovers(): void {
    this.#operations.tryExclusive(() => {
      const restoreTemp = restoreTempPath(this.database);
      const beside = [restoreTemp, ...SQLITE_SIDE_FILES.map((suffix) => `${restoreTemp}${suffix}`)];
      for (const file of [...beside.filter((f) => existsSync(f)), ...this.#ctx.folder.leftovers()]) {
        rmSync(file, { force: true });
        this.#ctx.log.info(`Removed leftover of an interrupted operation: ${file}`);
      }
    });
  }

  /**
   * Takes a verified backup of the live database. Guarantees: the new file appears under its
   * final name only complete, flushed and checked (a crash leaves no backup or a whole one);
   * retention runs only afterwards. A manual backup is refused when it would leave less room
   * than the next automatic backup needs (`NoRoomForAutomaticBackupError`). Throws
   * `BackupBusyError`, `NotEnoughSpaceError`, `DiskFullError`, `BackupFolderError`,
   * `DatabaseDamagedError` or `SnapshotFailedError`, each logged as ERROR, leaving no file behind.
   *
   * Refused before anything starts, with nothing logged: a description that breaks the rule of
   * `descriptionProblem` (`InvalidDescriptionError`), and a `rateLimited` request from someone who
   * started the hourly limit of manual backups already (`TooManyManualBackupsError`). Every
   * rate-limited backup that starts counts, whatever its outcome; one refused as busy does not.
   */
  async createBackup(request: CreateBackupRequest): Promise<ManifestRecord> {
    if (request.description !== undefined) assertValidDescription(request.description);
    const who = request.rateLimited ? (request.createdBy ?? "") : null;
    if (who !== null) this.#limiter.check(who);
    // The lock is taken before the callback runs, with no await between the check and the count.
    return this.#operations.run("Failed to create backup", async () => {
      if (who !== null) this.#limiter.record(who);
      try {
        const taken = await takeBackup(this.#ctx, request, { salvage: false, retention: this.#retention });
        this.databaseHealth = taken.liveHealth;
        return taken.record;
      } catch (error) {
        if (error instanceof DatabaseDamagedError) this.databaseHealth = error.health;
        throw error;
      }
    });
  }

  /**
   * Checks the live database in the worker: `quick_check`, or the complete `integrity_check`
   * when `full` ("Check now"). Records the result as the database's health; damage is logged.
   */
  checkDatabase(options: { full: boolean }): Promise<HealthRecord> {
    // Under the lock: one check at a time, and never while a restore swaps the file.
    return this.#operations.run("Database check failed", async () => {
      const result = await checkLiveInWorker({ path: this.database, full: options.full });
      this.databaseHealth = { ...result, checkedAt: this.#ctx.clock().toISOString(), full: options.full };
      if (!result.ok) this.#ctx.log.error(`Database check failed: ${result.reason}`);
      return this.databaseHealth;
    });
  }

  /**
   * Full check (`integrity_check`, the trust rule, the recorded SHA-256) of the named backups,
   * or of all; records each result in the manifest and logs each failure. Returns the records.
   */
  verify(names?: string[]): Promise<ManifestRecord[]> {
    return this.#operations.run("Verification failed", async () => {
      const targets = names ? names.map((n) => this.find(n)) : this.list();
      const results: ManifestRecord[] = [];
      for (const record of targets) results.push(await verifyRecord(this.#ctx, record));
      return results;
    });
  }

  /** Checks backups seen for the first time (copied in by hand); quietly skipped while busy. */
  async verifyNew(): Promise<void> {
    if (!this.list().some((r) => r.health === "unchecked")) return;
    await this.#operations.runIfFree("Checking new backup files failed", async () => {
      for (const record of this.list().filter((r) => r.health === "unchecked"))
        await verifyRecord(this.#ctx, record);
    });
  }

  /**
   * Restores the named backup after its full check (`verifyRecord`) with `restoreDatabase`: a
   * safety backup first, the file swapped, reopened in place, every session ended, its health
   * checked again. Any failure before the swap's rename leaves the old database in place and
   * open. Throws `BackupUnusableError` for a damaged or foreign backup, or one holding anything
   * that could run code.
   */
  restore(name: string, options: { by?: string | null } = {}): Promise<RestoreResult> {
    return this.#operations.run("Restore failed", async () => {
      const checked = await verifyRecord(this.#ctx, this.find(name));
      if (checked.health !== "verified")
        throw new BackupUnusableError(name, checked.reason ?? "it failed its check");
      return this.#restoreChecked(checked, options.by ?? null, "Database restore");
    });
  }

  /**
   * Restores the newest backup that passes the full check, skipping damaged ones and safety
   * copies of a damaged database. Throws `NoUsableBackupError` when none passes.
   */
  emergencyRestore(options: { by?: string | null } = {}): Promise<RestoreResult> {
    return this.#operations.run("Emergency restore failed", async () => {
      for (const record of this.list()) {
        if (record.health === "damaged" || record.sourceDamaged) continue;
        const checked = await verifyRecord(this.#ctx, record);
        if (checked.health === "verified")
          return this.#restoreChecked(checked, options.by ?? null, "Emergency restore");
      }
      throw new NoUsableBackupError();
    });
  }

  async #restoreChecked(record: ManifestRecord, by: string | null, label: string): Promise<RestoreResult> {
    const context = { ...this.#ctx, hooks: this.#restoredHooks, beforeStep: this.#options.beforeRestoreStep };
    let outcome: Awaited<ReturnType<typeof restoreDatabase>>;
    try {
      outcome = await restoreDatabase(context, record, by, label);
    } catch (error) {
      if (error instanceof RestoredDatabaseUnusableError)
        for (const listener of this.#unusableListeners) listener(error.reason);
      throw error;
    }
    this.databaseHealth = outcome.health;
    this.#operations.lastError = null;
    // Old safety backups go now (only those: a restore is no reason to rotate other backups
    // out), never the backup that was just restored.
    this.#ctx.folder.applyRetentionQuietly(this.#retention, {
      protect: new Set([record.name]),
      kinds: new Set(["pre_restore"]),
    });
    return outcome.result;
  }

  /** A hidden temporary name in the backup folder for an upload on its way in (a leftover is removed at start). */
  uploadTempPath(): string {
    this.#ctx.folder.ensureWritable();
    return this.#ctx.folder.pathOf(`.upload.${process.pid}.${crypto.randomUUID()}.tmp`);
  }

  /**
   * Takes an uploaded file (already complete at `tempPath`) into the list as
   * `uploaded_YYYYMMDD_HHMMSS[_slug].db`, after the full check a restore would make. Throws
   * `BackupUnusableError` when it fails, `InvalidDescriptionError` for a bad description; never
   * leaves the temporary file behind.
   */
  async importUpload(options: UploadedFile): Promise<ManifestRecord> {
    try {
      assertValidDescription(options.description);
      return await this.#operations.run("Upload failed", () => importUploadedFile(this.#ctx, options));
    } finally {
      rmSync(options.tempPath, { force: true });
    }
  }

  /** Deletes a backup; the newest healthy one is refused (`ProtectedBackupError`). */
  deleteBackup(name: string, options: { by?: string | null } = {}): Promise<void> {
    return this.#operations.run("Delete failed", async () => {
      const record = this.find(name);
      if (newestHealthy(this.list())?.name === record.name) throw new ProtectedBackupError(name);
      rmSync(this.#ctx.folder.pathOf(record.name));
      this.#ctx.folder.update((records) => records.delete(record.name));
      this.#ctx.log.info(`Backup deleted: ${record.name}${options.by ? ` by ${options.by}` : ""}`);
    });
  }
}
