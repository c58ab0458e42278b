import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { DatabaseHandle } from "../db/handle.ts";
import { describeError } from "../lib/errors.ts";
import { acquireFileLock, LockHeldError } from "../lib/file-lock.ts";
import { formatBytes } from "../lib/format.ts";
import { fsyncDir, fsyncFile } from "../lib/fs-sync.ts";
import type { Log } from "../lib/log.ts";
import { type Clock, systemClock } from "../lib/time.ts";
import {
  BackupBusyError,
  BackupFolderError,
  BackupNotFoundError,
  BackupUnusableError,
  DatabaseDamagedError,
  DiskFullError,
  InvalidBackupNameError,
  NotEnoughSpaceError,
  NoUsableBackupError,
  ProtectedBackupError,
  RestoreFailedError,
  SnapshotFailedError,
} from "./errors.ts";
import type { CheckResult } from "./inspect.ts";
import { type ManifestRecord, mergeListing, readManifest, scanFolder, writeManifest } from "./manifest.ts";
import { type BackupKind, backupFileName, isPlainBackupName, STARTUP_NAME, uniqueName } from "./names.ts";
import { planRetention, type RetentionLimits } from "./retention.ts";
import { type RestoreStep, restoreTempPath, swapDatabaseFile } from "./swap.ts";
import { checkLiveInWorker, inspectFileInWorker, snapshotInWorker } from "./worker-client.ts";

export interface BackupEngineOptions {
  database: string;
  backupsDir: string;
  /** Lock file that makes backups and restores one at a time across processes. */
  operationLock: string;
  log: Log;
  retention: RetentionLimits;
  /** The app's own connection, closed and reopened around a restore; absent for the command line. */
  db?: DatabaseHandle | null;
  clock?: Clock;
  /** Free bytes where `dir` lives; replaceable in tests. */
  freeSpace?: (dir: string) => number;
  /** Called before each step of a restore's file swap; tests use it to inject failures. */
  beforeRestoreStep?: (step: RestoreStep) => void;
  /** Called when a restored database cannot be opened: the app goes into recovery mode. */
  onDatabaseUnusable?: (reason: string) => void;
}

export type MadeKind = Exclude<BackupKind, "external" | "uploaded">;

export interface CreateBackupRequest {
  kind: MadeKind;
  description?: string;
  createdBy?: string | null;
}

export interface Operation {
  action: "backup" | "restore";
  kind: MadeKind | null;
  name: string | null;
  startedAt: string;
  bytesExpected: number;
  bytesWritten: number;
}

export interface RestoreResult {
  restoredFrom: string;
  /** Null only when there was no database to keep. */
  safetyBackup: string | null;
}

export interface HealthRecord extends CheckResult {
  checkedAt: string;
  full: boolean;
}

/** Room kept free beyond the backup itself: 5% of it, at least 16 MiB. */
export function spaceNeeded(bytes: number): number {
  return bytes + Math.max(16 * 1024 * 1024, Math.ceil(bytes * 0.05));
}

function defaultFreeSpace(dir: string): number {
  const stats = statfsSync(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function isDiskFull(error: unknown): boolean {
  const text = `${(error as { code?: string }).code ?? ""} ${describeError(error)}`;
  return /ENOSPC|SQLITE_FULL|disk is full|No space left/i.test(text);
}

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
  readonly #log: Log;
  readonly #clock: Clock;
  #retention: RetentionLimits;
  #operation: (Omit<Operation, "bytesWritten"> & { temp: string }) | null = null;
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
    this.#clock = options.clock ?? systemClock;
    this.#retention = options.retention;
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
    return mergeListing(scanFolder(this.backupsDir), readManifest(this.backupsDir).records);
  }

  /** The listed backup called `name`; a name that is not a plain listed file name is refused. */
  find(name: string): ManifestRecord {
    if (!isPlainBackupName(name)) throw new InvalidBackupNameError();
    const record = this.list().find((r) => r.name === name);
    if (!record) throw new BackupNotFoundError(name);
    return record;
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
      return (this.#options.freeSpace ?? defaultFreeSpace)(this.backupsDir);
    } catch {
      return null;
    }
  }

  /** Resolves once the operation running now (if any) has ended. */
  idle(): Promise<void> {
    return this.#idle;
  }

  /**
   * Deletes what a crashed backup or restore left behind (hidden `.…tmp` files in the backup
   * folder, the restore's temporary copy beside the database). Skipped while another process
   * holds the lock, since the files may be its work in progress.
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
      for (const file of this.#leftovers()) {
        rmSync(file, { force: true });
        this.#log.info(`Removed leftover of an interrupted operation: ${file}`);
      }
    } finally {
      lock.release();
    }
  }

  #leftovers(): string[] {
    const found: string[] = [];
    const temp = restoreTempPath(this.database);
    if (existsSync(temp)) found.push(temp);
    try {
      for (const name of readdirSync(this.backupsDir)) {
        if (name.startsWith(".") && name.endsWith(".tmp")) found.push(join(this.backupsDir, name));
      }
    } catch {
      // No backup folder yet: nothing left over.
    }
    return found;
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

  #updateManifest(change: (records: Map<string, ManifestRecord>) => void): void {
    const { records, rebuilt } = readManifest(this.backupsDir);
    if (rebuilt) this.#log.warning("The backup manifest was damaged; it was rebuilt from the backup files");
    const current = new Map(mergeListing(scanFolder(this.backupsDir), records).map((r) => [r.name, r]));
    change(current);
    writeManifest(this.backupsDir, current.values());
  }

  #ensureFolder(): void {
    const dir = this.backupsDir;
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
   * retention runs only afterwards. Throws `BackupBusyError`, `NotEnoughSpaceError`,
   * `DiskFullError`, `BackupFolderError`, `DatabaseDamagedError` or `SnapshotFailedError`,
   * each logged as ERROR, leaving no file behind.
   */
  createBackup(request: CreateBackupRequest): Promise<ManifestRecord> {
    return this.#withLock("Failed to create backup", () => this.#createLocked(request, { salvage: false }));
  }

  async #createLocked(
    request: CreateBackupRequest,
    options: { salvage: boolean; retention?: boolean },
  ): Promise<ManifestRecord> {
    const started = performance.now();
    const at = this.#clock();
    this.#ensureFolder();
    if (!existsSync(this.database)) throw new SnapshotFailedError(`there is no database at ${this.database}`);
    const expected = fileSize(this.database) + fileSize(`${this.database}-wal`);
    const needed = spaceNeeded(expected);
    const free = (this.#options.freeSpace ?? defaultFreeSpace)(this.backupsDir);
    if (free < needed) throw new NotEnoughSpaceError(needed, free);

    const live = await checkLiveInWorker({ path: this.database, full: false });
    this.databaseHealth = { ...live, checkedAt: at.toISOString(), full: false };
    if (!live.ok && !options.salvage) throw new DatabaseDamagedError(live.reason ?? "unknown damage");

    const existing = new Set(scanFolder(this.backupsDir).map((f) => f.name));
    const name =
      request.kind === "startup"
        ? STARTUP_NAME
        : uniqueName(backupFileName(request.kind, at, request.description ?? ""), (n) => existing.has(n));
    const temp = join(this.backupsDir, `.${name}.${process.pid}.tmp`);
    this.#operation = {
      action: "backup",
      kind: request.kind,
      name,
      startedAt: at.toISOString(),
      bytesExpected: expected,
      temp,
    };
    try {
      let result: Awaited<ReturnType<typeof snapshotInWorker>>;
      const db = this.#options.db;
      db?.pauseCheckpoints();
      try {
        result = await snapshotInWorker({ source: this.database, target: temp, salvage: options.salvage });
      } catch (error) {
        if (isDiskFull(error)) throw new DiskFullError();
        throw new SnapshotFailedError(`the snapshot could not be written (${describeError(error)})`);
      } finally {
        db?.resumeCheckpoints();
      }
      const damaged = !result.check.ok || !live.ok;
      // Only a copy of a database that is itself damaged may be kept damaged (it may hold data
      // to salvage); a bad copy of a healthy database is a failed backup, whatever its purpose.
      if (damaged && (!options.salvage || live.ok)) {
        throw new SnapshotFailedError(
          `the new backup failed its check (${result.check.reason}); it was not kept`,
        );
      }
      renameSync(temp, join(this.backupsDir, name));
      fsyncDir(this.backupsDir);
      const record: ManifestRecord = {
        name,
        kind: request.kind,
        createdAt: at.toISOString(),
        size: result.size,
        description: request.description ?? "",
        createdBy: request.createdBy ?? null,
        health: damaged ? "damaged" : "verified",
        sha256: result.sha256,
        checkedAt: at.toISOString(),
        reason: damaged ? (live.reason ?? result.check.reason) : null,
        sourceDamaged: !live.ok,
      };
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const by = request.createdBy ? `, by ${request.createdBy}` : "";
      const note = damaged ? " — the database was damaged, so this copy is marked damaged" : "";
      this.#log.info(
        `Database backup created: ${name} (${formatBytes(result.size)} in ${seconds} s${by})${note}`,
      );
      // The backup exists from the rename on: bookkeeping that fails now is a warning, not a failure.
      try {
        this.#updateManifest((records) => records.set(name, record));
        if (!damaged && options.retention !== false) this.#applyRetention();
      } catch (error) {
        this.#log.warning(`Backup ${name} was made, but its bookkeeping failed: ${describeError(error)}`);
      }
      return record;
    } finally {
      rmSync(temp, { force: true });
      this.#operation = null;
    }
  }

  #applyRetention(options: { protect?: ReadonlySet<string>; kinds?: ReadonlySet<BackupKind> } = {}): void {
    const planned = planRetention(this.list(), this.#retention, options.protect);
    for (const record of planned.filter((r) => !options.kinds || options.kinds.has(r.kind))) {
      try {
        rmSync(join(this.backupsDir, record.name));
        this.#log.info(`Removed old backup: ${record.name}`);
      } catch (error) {
        this.#log.warning(`Could not remove old backup ${record.name}: ${describeError(error)}`);
      }
    }
    this.#updateManifest(() => {});
  }

  /**
   * Checks the live database in the worker: `quick_check`, or the complete `integrity_check`
   * when `full` ("Check now"). Records the result as the database's health.
   */
  checkDatabase(options: { full: boolean }): Promise<HealthRecord> {
    // Under the lock: one check at a time, and never while a restore swaps the file.
    return this.#withLock("Database check failed", async () => {
      const result = await checkLiveInWorker({ path: this.database, full: options.full });
      const health = { ...result, checkedAt: this.#clock().toISOString(), full: options.full };
      this.databaseHealth = health;
      if (!result.ok) this.#log.error(`Database check failed: ${result.reason}`);
      return health;
    });
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
    const path = join(this.backupsDir, record.name);
    const result = await inspectFileInWorker({ path, restorable: true });
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
    };
    if (!healthy) this.#log.warning(`Backup ${record.name} failed its check: ${reason}`);
    this.#updateManifest((records) => records.set(record.name, updated));
    return updated;
  }

  /**
   * Restores the named backup (SPEC §4): full check, a pre-restore safety backup, the database
   * closed, the file swapped (`swapDatabaseFile`), reopened in place with migrations run
   * forward, every session ended. Any failure before the swap's rename leaves the old database
   * in place and open. Throws `BackupUnusableError` for a damaged or foreign backup.
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

  async #restoreLocked(record: ManifestRecord, by: string | null, label: string): Promise<RestoreResult> {
    const started = this.#clock();
    const who = by ? ` by ${by}` : "";
    this.#log.info(`${label} started from ${record.name}${who}`);
    const source = join(this.backupsDir, record.name);
    const free = (this.#options.freeSpace ?? defaultFreeSpace)(this.database);
    if (free < spaceNeeded(record.size)) {
      this.#fail(
        `${label} failed, nothing was restored`,
        new NotEnoughSpaceError(spaceNeeded(record.size), free),
      );
    }
    const db = this.#options.db ?? null;
    this.#operation = {
      action: "restore",
      kind: null,
      name: record.name,
      startedAt: started.toISOString(),
      bytesExpected: record.size,
      temp: restoreTempPath(this.database),
    };
    // From here on every write is held back (requests get 503), so the safety backup holds
    // exactly the data that the restore replaces. The close fully checkpoints the WAL or refuses.
    try {
      if (db?.isOpen) db.close({ requireCheckpoint: true });
    } catch (error) {
      this.#operation = null;
      this.#reopenQuietly(db, false);
      this.#fail(`${label} failed, nothing was restored`, error);
    }
    let safety: ManifestRecord | null = null;
    try {
      if (existsSync(this.database)) {
        safety = await this.#createLocked(
          { kind: "pre_restore", createdBy: by },
          { salvage: true, retention: false },
        );
      } else {
        this.#log.warning(`There is no database at ${this.database}, so no safety backup was needed`);
      }
    } catch (error) {
      this.#operation = null;
      this.#reopenQuietly(db, false);
      this.#fail(`${label} failed, nothing was restored: the safety backup failed`, error);
    }
    let swapped = false;
    try {
      swapDatabaseFile({
        database: this.database,
        source,
        beforeStep: (step) => {
          if (step === "flush-folder") swapped = true;
          this.#options.beforeRestoreStep?.(step);
        },
      });
      swapped = true;
    } catch (error) {
      this.#operation = null;
      // Before the rename the old file is untouched; after it, the restored file is whole, only
      // its folder entry may not be on disk yet. Either way the app goes on with the file in place.
      this.#reopenQuietly(db, swapped);
      const state = swapped ? "the restored database is in place" : "the database was left as it was";
      this.#fail(`${label} from ${record.name} failed (${state})`, error);
    }
    try {
      this.#reopenAfterRestore(db);
    } catch (error) {
      const reason = `the restored database could not be opened (${describeError(error)})`;
      this.#options.onDatabaseUnusable?.(reason);
      this.#fail(`${label} from ${record.name}`, new RestoreFailedError(reason));
    } finally {
      this.#operation = null;
    }
    this.lastError = null;
    const kept = safety ? `; safety backup: ${safety.name}` : "";
    this.#log.info(`${label} from ${record.name}${who} completed${kept}`);
    // Old safety backups go now (only those: a restore is no reason to rotate other backups out),
    // never the backup that was just restored.
    try {
      this.#applyRetention({ protect: new Set([record.name]), kinds: new Set(["pre_restore"]) });
    } catch (error) {
      this.#log.warning(`Retention after the restore failed: ${describeError(error)}`);
    }
    return { restoredFrom: record.name, safetyBackup: safety?.name ?? null };
  }

  #reopenQuietly(db: DatabaseHandle | null, restored: boolean): void {
    try {
      if (restored) this.#reopenAfterRestore(db);
      else db?.open();
    } catch (error) {
      this.#log.error(`Reopening the database failed: ${describeError(error)}`);
    }
  }

  /** Opens the restored file, runs migrations forward, then the restore hooks. */
  #reopenAfterRestore(db: DatabaseHandle | null): void {
    // Offline (command line) there is no app connection: open one for the hooks, then close cleanly.
    const handle = db ?? new DatabaseHandle(this.database);
    handle.open();
    try {
      for (const hook of this.#restoredHooks) hook(handle);
    } catch (error) {
      // A hook that failed may have left old sessions alive: better no database than that.
      handle.close();
      throw error;
    }
    if (!db) handle.close();
  }

  /** A hidden temporary name in the backup folder for an upload on its way in (a leftover is removed at start). */
  uploadTempPath(): string {
    this.#ensureFolder();
    return join(this.backupsDir, `.upload.${process.pid}.${crypto.randomUUID()}.tmp`);
  }

  /**
   * Takes an uploaded file (already complete at `tempPath`) into the list as
   * `uploaded_YYYYMMDD_HHMMSS[_slug].db`, after the full check a restore would make: SQLite
   * integrity, this app's schema, not from a newer version. Throws `BackupUnusableError` (and
   * deletes the file) when it fails; never leaves the temporary file behind.
   */
  async importUpload(options: {
    tempPath: string;
    description: string;
    originalName: string;
    by: string | null;
  }) {
    try {
      return await this.#importLocked(options);
    } finally {
      rmSync(options.tempPath, { force: true });
    }
  }

  #importLocked(options: { tempPath: string; description: string; originalName: string; by: string | null }) {
    return this.#withLock("Upload failed", async () => {
      try {
        const at = this.#clock();
        const inspected = await inspectFileInWorker({ path: options.tempPath, restorable: true });
        if (!inspected.check.ok) {
          throw new BackupUnusableError(
            options.originalName || "the uploaded file",
            inspected.check.reason ?? "it failed its check",
          );
        }
        const stem = options.originalName.replace(/\.(db|sqlite3?)$/i, "");
        const existing = new Set(scanFolder(this.backupsDir).map((f) => f.name));
        const name = uniqueName(backupFileName("uploaded", at, options.description || stem), (n) =>
          existing.has(n),
        );
        if (process.platform !== "win32") chmodSync(options.tempPath, 0o600);
        fsyncFile(options.tempPath);
        renameSync(options.tempPath, join(this.backupsDir, name));
        fsyncDir(this.backupsDir);
        const record: ManifestRecord = {
          name,
          kind: "uploaded",
          createdAt: at.toISOString(),
          size: inspected.size,
          description: options.description,
          createdBy: options.by,
          health: "verified",
          sha256: inspected.sha256,
          checkedAt: at.toISOString(),
          reason: null,
          sourceDamaged: false,
        };
        this.#updateManifest((records) => records.set(name, record));
        this.#log.info(
          `Backup uploaded: ${name} (${formatBytes(inspected.size)}${options.by ? `, by ${options.by}` : ""})`,
        );
        return record;
      } finally {
        rmSync(options.tempPath, { force: true });
      }
    });
  }

  /** Deletes a backup; the newest healthy one is refused (`ProtectedBackupError`). */
  deleteBackup(name: string, options: { by?: string | null } = {}): Promise<void> {
    return this.#withLock("Delete failed", async () => {
      const record = this.find(name);
      const newestHealthy = this.list().find((r) => r.health === "verified");
      if (newestHealthy?.name === record.name) throw new ProtectedBackupError(name);
      rmSync(join(this.backupsDir, record.name));
      this.#updateManifest((records) => records.delete(record.name));
      this.#log.info(`Backup deleted: ${record.name}${options.by ? ` by ${options.by}` : ""}`);
    });
  }
}
