import { existsSync, rmSync } from "node:fs";
import type { DatabaseHandle } from "../db/handle.ts";
import { describeError } from "../lib/errors.ts";
import { acquireFileLock, LockHeldError } from "../lib/file-lock.ts";
import type { Log } from "../lib/log.ts";
import { type Clock, systemClock } from "../lib/time.ts";
import { assertValidDescription } from "./description.ts";
import { BackupBusyError, BackupUnusableError, NoUsableBackupError, ProtectedBackupError } from "./errors.ts";
import { BackupFolder } from "./folder.ts";
import { type ManifestRecord, newestHealthy } from "./manifest.ts";
import { DEFAULT_MANUAL_BACKUPS_PER_HOUR, ManualBackupLimiter } from "./rate-limit.ts";
import { restoreInPlace } from "./restore.ts";
import type { RetentionLimits } from "./retention.ts";
import { takeBackup } from "./snapshot.ts";
import { fileSize, freeSpaceOf, spaceNeeded } from "./space.ts";
import { restoreTempPath } from "./swap.ts";
import type {
  BackupEngineOptions,
  CreateBackupRequest,
  EngineContext,
  HealthRecord,
  Operation,
  RestoreResult,
  RunningOperation,
} from "./types.ts";
import { importUploadedFile, type UploadedFile } from "./upload-import.ts";
import { checkLiveInWorker, inspectFileInWorker } from "./worker-client.ts";

export type { MadeKind } from "./types.ts";
export type { BackupEngineOptions, CreateBackupRequest, HealthRecord, Operation, RestoreResult };
export { spaceNeeded };

/** The files SQLite may keep beside a database file while it is open or after a crash. */
const SQLITE_SIDE_FILES = ["-journal", "-wal", "-shm"];

/**
 * The backup engine: snapshots, listing, retention, verification and restore of one database
 * and its backup folder. It knows nothing of HTTP, cron or flags. Every operation that writes
 * holds the folder's operation lock, so across processes only one runs at a time; a second one
 * gets `BackupBusyError` at once.
 */
export class BackupEngine {
  readonly database: string;
  readonly backupsDir: string;
  readonly #options: BackupEngineOptions;
  readonly #folder: BackupFolder;
  readonly #log: Log;
  readonly #clock: Clock;
  readonly #freeSpace: (dir: string) => number;
  readonly #limiter: ManualBackupLimiter;
  #retention: RetentionLimits;
  #operation: RunningOperation | null = null;
  #idle: Promise<void> = Promise.resolve();
  #restoredHooks: ((db: DatabaseHandle) => void)[] = [];
  /** Errors already logged with a precise line, so the generic one is not added. */
  #logged = new WeakSet<object>();
  lastError: { message: string; at: string } | null = null;
  databaseHealth: HealthRecord | null = null;

  constructor(options: BackupEngineOptions) {
    this.#options = options;
    this.database = options.database;
    this.backupsDir = options.backupsDir;
    this.#log = options.log;
    this.#folder = new BackupFolder(options.backupsDir, options.log);
    this.#clock = options.clock ?? systemClock;
    this.#freeSpace = options.freeSpace ?? freeSpaceOf;
    this.#retention = options.retention;
    this.#limiter = new ManualBackupLimiter(
      options.manualBackupsPerHour ?? DEFAULT_MANUAL_BACKUPS_PER_HOUR,
      this.#clock,
    );
  }

  setRetention(limits: RetentionLimits): void {
    this.#retention = limits;
  }

  /**
   * Runs after every restore on the restored database, open and migrated, before anyone uses it
   * (the users module ends every session here, including those carried inside the backup).
   */
  onRestored(hook: (db: DatabaseHandle) => void): void {
    this.#restoredHooks.push(hook);
  }

  /** The backups, newest first; the folder's files are the truth (see `mergeListing`). */
  list(): ManifestRecord[] {
    return this.#folder.list();
  }

  /** The listed backup called `name`; a name that is not a plain listed file name is refused. */
  find(name: string): ManifestRecord {
    return this.#folder.find(name);
  }

  /** The running backup or restore with its progress, or null. */
  progress(): Operation | null {
    const op = this.#operation;
    if (!op) return null;
    const { temp, ...rest } = op;
    return { ...rest, bytesWritten: fileSize(temp) };
  }

  /** Free bytes on the backup folder's disk, or null when it cannot be told (folder missing). */
  freeBytes(): number | null {
    try {
      return this.#freeSpace(this.backupsDir);
    } catch {
      return null;
    }
  }

  /** Resolves once the operation running now (if any) has ended. */
  idle(): Promise<void> {
    return this.#idle;
  }

  /**
   * Deletes what a crashed backup, upload or restore left behind: hidden `.…tmp` files in the
   * backup folder and their `-journal`/`-wal`/`-shm`, the restore's temporary copy beside the
   * database and its own. Skipped while another process holds the lock, since the files may be
   * its work in progress.
   */
  cleanupLeftovers(): void {
    let lock: ReturnType<typeof acquireFileLock>;
    try {
      lock = acquireFileLock(this.#options.operationLock);
    } catch (error) {
      if (error instanceof LockHeldError) return;
      throw error;
    }
    try {
      const restoreTemp = restoreTempPath(this.database);
      const beside = [restoreTemp, ...SQLITE_SIDE_FILES.map((suffix) => `${restoreTemp}${suffix}`)];
      const found = [...beside.filter((file) => existsSync(file)), ...this.#folder.leftovers()];
      for (const file of found) {
        rmSync(file, { force: true });
        this.#log.info(`Removed leftover of an interrupted operation: ${file}`);
      }
    } finally {
      lock.release();
    }
  }

  /**
   * Runs `fn` holding the operation lock. A failure is logged as ERROR under `label` (unless a
   * more precise line was already written) and kept as the last error, then thrown on.
   */
  async #withLock<T>(label: string, fn: () => Promise<T>): Promise<T> {
    let lock: ReturnType<typeof acquireFileLock>;
    try {
      lock = acquireFileLock(this.#options.operationLock);
    } catch (error) {
      if (error instanceof LockHeldError) throw new BackupBusyError(error.pid);
      throw error;
    }
    let done = () => {};
    this.#idle = new Promise((resolve) => {
      done = resolve;
    });
    try {
      return await fn();
    } catch (error) {
      if (!this.#logged.has(error as object)) this.#fail(label, error);
      throw error;
    } finally {
      lock.release();
      done();
    }
  }

  #fail(prefix: string, error: unknown): never {
    const message = `${prefix}: ${describeError(error)}`;
    this.lastError = { message, at: this.#clock().toISOString() };
    this.#log.error(message);
    if (typeof error === "object" && error !== null) this.#logged.add(error);
    throw error;
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
    // The lock is taken before `fn` runs, with no await between the check and the count.
    return this.#withLock("Failed to create backup", () => {
      if (who !== null) this.#limiter.record(who);
      return this.#createLocked(request, { salvage: false });
    });
  }

  #context(): EngineContext {
    return {
      database: this.database,
      folder: this.#folder,
      db: this.#options.db ?? null,
      log: this.#log,
      clock: this.#clock,
      freeSpace: this.#freeSpace,
      setOperation: (op) => {
        this.#operation = op;
      },
    };
  }

  #createLocked(request: CreateBackupRequest, options: { salvage: boolean; retention?: boolean }) {
    return takeBackup(
      {
        ...this.#context(),
        retention: () => this.#retention,
        setHealth: (health) => {
          this.databaseHealth = health;
        },
      },
      request,
      options,
    );
  }

  /**
   * Checks the live database in the worker: `quick_check`, or the complete `integrity_check`
   * when `full` ("Check now"). Records the result as the database's health.
   */
  checkDatabase(options: { full: boolean }): Promise<HealthRecord> {
    // Under the lock: one check at a time, and never while a restore swaps the file.
    return this.#withLock("Database check failed", () =>
      this.#checkHealth(options.full, "Database check failed"),
    );
  }

  async #checkHealth(full: boolean, failure: string): Promise<HealthRecord> {
    const result = await checkLiveInWorker({ path: this.database, full });
    const health = { ...result, checkedAt: this.#clock().toISOString(), full };
    this.databaseHealth = health;
    if (!result.ok) this.#log.error(`${failure}: ${result.reason}`);
    return health;
  }

  /**
   * Full check (`integrity_check`, this app's schema, recorded SHA-256) of the named backups, or
   * of all; records each result in the manifest and logs each failure. Returns the records.
   */
  verify(names?: string[]): Promise<ManifestRecord[]> {
    return this.#withLock("Verification failed", async () => {
      const targets = names ? names.map((n) => this.find(n)) : this.list();
      const results: ManifestRecord[] = [];
      for (const record of targets) results.push(await this.#inspect(record));
      return results;
    });
  }

  /** Checks backups seen for the first time (copied in by hand); quietly skipped while busy. */
  async verifyNew(): Promise<void> {
    const fresh = this.list().filter((r) => r.health === "unchecked");
    if (fresh.length === 0) return;
    try {
      await this.#withLock("Checking new backup files failed", async () => {
        for (const record of this.list().filter((r) => r.health === "unchecked")) await this.#inspect(record);
      });
    } catch (error) {
      if (!(error instanceof BackupBusyError)) throw error;
    }
  }

  async #inspect(record: ManifestRecord): Promise<ManifestRecord> {
    const path = this.#folder.pathOf(record.name);
    const result = await inspectFileInWorker({ path });
    let reason = result.check.reason;
    if (result.check.ok && record.sha256 && result.sha256 && record.sha256 !== result.sha256) {
      reason = "its content changed after it was made (SHA-256 differs), so it may be damaged";
    }
    const healthy = result.check.ok && reason === null;
    const updated: ManifestRecord = {
      ...record,
      health: healthy ? "verified" : "damaged",
      sha256: record.sha256 ?? result.sha256,
      size: result.size,
      checkedAt: this.#clock().toISOString(),
      reason,
      unknownTables: healthy ? (result.check.unknownTables ?? []) : [],
    };
    if (!healthy) this.#log.warning(`Backup ${record.name} failed its check: ${reason}`);
    this.#folder.update((records) => records.set(record.name, updated));
    return updated;
  }

  /**
   * Restores the named backup: full check and the trust rule (`checkSchemaTrust`), a
   * pre-restore safety backup, the database closed, the file swapped (`swapDatabaseFile`, its
   * copy judged by the trust rule again), reopened in place with migrations run forward, every
   * session ended, the database's health checked again (`databaseHealth`). Any failure before
   * the swap's rename leaves the old database in place and open. Throws `BackupUnusableError`
   * for a damaged or foreign backup, or one holding anything that could run code.
   */
  restore(name: string, options: { by?: string | null } = {}): Promise<RestoreResult> {
    return this.#withLock("Restore failed", async () => {
      const record = this.find(name);
      const checked = await this.#inspect(record);
      if (checked.health !== "verified")
        throw new BackupUnusableError(name, checked.reason ?? "it failed its check");
      return this.#restoreLocked(checked, options.by ?? null, "Database restored");
    });
  }

  /**
   * Restores the newest backup that passes the full check, skipping damaged ones and safety
   * copies of a damaged database. Throws `NoUsableBackupError` when none passes.
   */
  emergencyRestore(options: { by?: string | null } = {}): Promise<RestoreResult> {
    return this.#withLock("Emergency restore failed", async () => {
      for (const record of this.list()) {
        if (record.health === "damaged" || record.sourceDamaged) continue;
        const checked = await this.#inspect(record);
        if (checked.health === "verified")
          return this.#restoreLocked(checked, options.by ?? null, "Emergency restore");
      }
      throw new NoUsableBackupError();
    });
  }

  #restoreLocked(record: ManifestRecord, by: string | null, label: string): Promise<RestoreResult> {
    return restoreInPlace(
      {
        ...this.#context(),
        hooks: this.#restoredHooks,
        beforeStep: this.#options.beforeRestoreStep,
        onUnusable: this.#options.onDatabaseUnusable,
        fail: (prefix, error) => this.#fail(prefix, error),
        takeSafetyBackup: (by) =>
          this.#createLocked({ kind: "pre_restore", createdBy: by }, { salvage: true, retention: false }),
        // The status must show the restored database's health, not the replaced one's "Damaged".
        checkHealth: () =>
          this.#checkHealth(false, "The restored database failed its check").then(
            () => {},
            (error) => {
              this.databaseHealth = null;
              this.#log.warning(`The restored database could not be checked: ${describeError(error)}`);
            },
          ),
      },
      record,
      by,
      label,
    ).then((result) => {
      this.lastError = null;
      // Old safety backups go now (only those: a restore is no reason to rotate other backups
      // out), never the backup that was just restored.
      try {
        this.#folder.applyRetention(this.#retention, {
          protect: new Set([record.name]),
          kinds: new Set(["pre_restore"]),
        });
      } catch (error) {
        this.#log.warning(`Retention after the restore failed: ${describeError(error)}`);
      }
      return result;
    });
  }

  /** A hidden temporary name in the backup folder for an upload on its way in (a leftover is removed at start). */
  uploadTempPath(): string {
    this.#folder.ensureWritable();
    return this.#folder.pathOf(`.upload.${process.pid}.${crypto.randomUUID()}.tmp`);
  }

  /**
   * Takes an uploaded file (already complete at `tempPath`) into the list as
   * `uploaded_YYYYMMDD_HHMMSS[_slug].db`, after the full check a restore would make: SQLite
   * integrity, this app's schema, not from a newer version. Throws `BackupUnusableError` (and
   * deletes the file) when it fails, `InvalidDescriptionError` for a bad description; never
   * leaves the temporary file behind.
   */
  async importUpload(options: UploadedFile) {
    try {
      assertValidDescription(options.description);
      return await this.#withLock("Upload failed", () => importUploadedFile(this.#context(), options));
    } finally {
      rmSync(options.tempPath, { force: true });
    }
  }

  /** Deletes a backup; the newest healthy one is refused (`ProtectedBackupError`). */
  deleteBackup(name: string, options: { by?: string | null } = {}): Promise<void> {
    return this.#withLock("Delete failed", async () => {
      const record = this.find(name);
      if (newestHealthy(this.list())?.name === record.name) throw new ProtectedBackupError(name);
      rmSync(this.#folder.pathOf(record.name));
      this.#folder.update((records) => records.delete(record.name));
      this.#log.info(`Backup deleted: ${record.name}${options.by ? ` by ${options.by}` : ""}`);
    });
  }
}
