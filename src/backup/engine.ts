import { AppError, describeError } from "../lib/errors.ts";
import { type BringBackRequest, type BringBackResult, bringRowsBack } from "./browse/bring-back.ts";
import { compareIncoming } from "./catalog/arrivals.ts";
import { assertValidDescription } from "./catalog/description.ts";
import { removeLeftovers } from "./catalog/leftovers.ts";
import { newestGood } from "./catalog/lineage.ts";
import type { ManifestRecord } from "./catalog/manifest.ts";
import { removeUnlessKept } from "./catalog/removals.ts";
import type { RetentionFacts, RetentionLimits } from "./catalog/retention.ts";
import { databaseBytes, freeBytesWhere } from "./catalog/space.ts";
import type {
  BackupEngineOptions,
  CreateBackupRequest,
  EngineContext,
  Operation,
  RestoreOptions,
  RestoreResult,
} from "./context.ts";
import { createEngineContext } from "./context.ts";
import { EngineDrills } from "./engine-drills.ts";
import { BackupBusyError, OperationAbandonedError } from "./errors.ts";
import { type CheckResult, holdsNoRows } from "./inspect/checks.ts";
import { stopCheckProcesses } from "./inspect/process-task.ts";
import { abandonWorkers, checkLiveInWorker, countRowsInWorker } from "./inspect/worker-client.ts";
import type { TableCount } from "./inspect/worker-protocol.ts";
import { type BackgroundWork, BackgroundYieldedError } from "./operations/background.ts";
import { BackupChecks } from "./operations/backup-checks.ts";
import { FollowUps } from "./operations/follow-ups.ts";
import { DatabaseHealth } from "./operations/health.ts";
import {
  DEFAULT_MANUAL_BACKUPS_PER_HOUR as DEFAULT_PER_HOUR,
  ManualBackupLimiter,
} from "./operations/rate-limit.ts";
import { RestoreEvents } from "./operations/restore.ts";
import { identityOf } from "./operations/restore-choice.ts";
import type { RestorePreview } from "./operations/restore-preview.ts";
import { Restorer } from "./operations/restorer.ts";
import type { OperationRunner } from "./operations/runner.ts";
import { settleSafetyLinks } from "./operations/safety.ts";
import { backupLive } from "./operations/snapshot.ts";
import { importUpload, type UploadedFile, uploadTempPath } from "./operations/upload.ts";

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
  readonly #followUps: FollowUps | null;
  readonly #restorer: Restorer;
  /** Who hears of restores: `onRestored` hooks, `onDatabaseUnusable` listeners. */
  readonly events = new RestoreEvents();
  #retention: RetentionLimits;
  /** The live database's health: its last check (`health.check`, `health.refresh`) or a backup's of it. */
  readonly health: DatabaseHealth;
  /** The full checks of backups: asked for, after a command-line backup, and in the background. */
  readonly checks: BackupChecks;
  /** Restore drills: run by someone, by the schedule, of an off-site copy, and the last one. */
  readonly drills: EngineDrills;

  constructor(options: BackupEngineOptions) {
    ({ database: this.database, backupsDir: this.backupsDir, retention: this.#retention } = options);
    this.#options = options;
    this.#ctx = createEngineContext(options);
    this.#operations = this.#ctx.operations;
    this.health = new DatabaseHealth(this.#ctx, this.#operations);
    const perHour = options.manualBackupsPerHour ?? DEFAULT_PER_HOUR;
    this.#limiter = new ManualBackupLimiter(perHour, this.#ctx.clock);
    // Beside a serving app, checks that follow an operation run in the background; a command waits for them.
    this.#followUps = options.db ? new FollowUps(this.#operations, options.log) : null;
    this.checks = new BackupChecks(this.#ctx, this.#followUps);
    this.drills = new EngineDrills(this.#ctx, options.migrations);
    this.#restorer = new Restorer({
      ctx: this.#ctx,
      events: this.events,
      health: this.health,
      followUps: this.#followUps,
      retention: () => this.#retention,
      beforeStep: options.beforeRestoreStep,
    });
  }

  setRetention(limits: RetentionLimits): void {
    this.#retention = limits;
  }

  /** What retention is judged against now (`RetentionFacts`): the clock, a failed automatic backup. */
  retentionFacts(): RetentionFacts {
    return this.#ctx.retentionFacts();
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

  /** The newest good backup (`newestGood`): what the pages call newest and a delete keeps. */
  newestGood(listing: ManifestRecord[] = this.list()): ManifestRecord | undefined {
    return newestGood(listing, identityOf(this.#ctx, listing));
  }

  /** The identity of this database (`currentIdentity`): open now, in the file, or as its newest backup says. */
  identity(): string | null {
    return identityOf(this.#ctx, this.list());
  }

  /** The file of the backup `name` in the backup folder (listed or about to be). */
  pathOf(name: string): string {
    return this.#ctx.folder.pathOf(name);
  }

  /** The size of the database with its WAL: what a backup of it copies. */
  databaseBytes(): number {
    return databaseBytes(this.database);
  }

  /** The rows of each of the database's tables, counted in the worker. */
  countRows(): Promise<TableCount[]> {
    return countRowsInWorker({ path: this.database });
  }

  /** The database file's check (`quick_check`, or the complete one), in the worker, without the lock. */
  checkDatabaseFile(full: boolean): Promise<CheckResult> {
    return checkLiveInWorker({ path: this.database, full });
  }

  /** True when the open database holds no rows of any table (false when none is open). */
  holdsNoRows(): boolean {
    const db = this.#ctx.db;
    return db?.isOpen === true && holdsNoRows(db.sqlite);
  }

  /** The running backup or restore with its progress, or null. */
  progress(): Operation | null {
    return this.#operations.progress();
  }

  /** Free bytes on the backup folder's disk, or null when it cannot be told (folder missing). */
  freeBytes(): number | null {
    return freeBytesWhere(this.#ctx.freeSpace, this.backupsDir);
  }

  /** Gives up the running operation's work in a worker at once (`OperationAbandonedError`): the app must close. */
  abandon(): void {
    abandonWorkers(new OperationAbandonedError());
  }

  /**
   * When the app stops: the work that follows operations in the background takes the lock no
   * more, and the full checks running in processes of their own end now (a check outliving the
   * app would hold its backup open: on Windows, the next start could not rename it).
   */
  stopFollowUps(): void {
    this.#followUps?.stop();
    stopCheckProcesses(new BackgroundYieldedError());
  }

  /** Resolves once the operation running now (if any) has ended. */
  idle(): Promise<void> {
    return this.#operations.idle();
  }

  /** Tidies up after a crash (`removeLeftovers`, `settleSafetyLinks`); not while another process holds the lock. */
  async cleanupLeftovers(): Promise<void> {
    await this.#operations.tryExclusive(async () => {
      await settleSafetyLinks(this.#ctx);
      removeLeftovers(this.#ctx);
    });
  }

  /**
   * Takes a verified backup of the live database (`backupLive`: retention after it, beside a
   * serving app in the background with its full check) and records the database's health.
   * Throws `BackupBusyError` or `takeBackup`'s errors, each logged as ERROR.
   *
   * Refused before anything starts, with nothing logged: a bad description (`InvalidDescriptionError`),
   * and a `rateLimited` request past the hourly limit (`TooManyManualBackupsError`); every
   * rate-limited backup that starts counts, one refused as busy does not.
   */
  async createBackup(request: CreateBackupRequest): Promise<ManifestRecord> {
    if (request.description !== undefined) assertValidDescription(request.description);
    const who = request.rateLimited ? (request.createdBy ?? "") : null;
    if (who !== null) this.#limiter.check(who);
    // The lock is taken before the callback runs, with no await between the check and the count.
    const made = this.#operations.run("Failed to create backup", () => {
      if (who !== null) this.#limiter.record(who);
      return backupLive(this.#ctx, request, {
        retention: () => this.#retention,
        followUps: this.#followUps,
        setHealth: this.health.set,
      });
    });
    if (request.kind === "manual") {
      // What became of the last manual backup that started: a failure is an alert at once.
      made.then(
        (record) => {
          this.lastManualRun = { at: record.createdAt, ok: true, message: record.name };
        },
        (error) => {
          if (!(error instanceof BackupBusyError))
            this.lastManualRun = {
              at: this.#ctx.clock().toISOString(),
              ok: false,
              message: describeError(error),
            };
        },
      );
    }
    return made.then((record) => this.events.tellMade(record, this.#options.log));
  }

  /** The last manual backup that started in this process, and how it ended; null before one. */
  lastManualRun: { at: string; ok: boolean; message: string } | null = null;

  /** Restores the named backup once it passed the full check (`Restorer.restore`). */
  restore(name: string, options: RestoreOptions = {}): Promise<RestoreResult> {
    return this.#restorer.restore(name, options);
  }

  /** Restores a database built and proven for the moment, no backup's copy (`Restorer.restoreBuilt`). */
  restoreBuilt(
    source: { label: string; size: number; build: (target: string) => Promise<void> },
    options: { by?: string | null } = {},
  ): Promise<RestoreResult> {
    return this.#restorer.restoreBuilt(source, options);
  }

  /** How a file with SHA-256 `sha256` to be brought in as `name` meets the backup folder now (`compareIncoming`). */
  compareIncoming(name: string, sha256: string): Promise<"same" | "free" | "taken"> {
    return compareIncoming(this.#ctx.folder, name, sha256);
  }

  /** Restores the newest backup of this database that passes the full check (`Restorer.emergencyRestore`). */
  emergencyRestore(options: { by?: string | null; expected?: string | null } = {}): Promise<RestoreResult> {
    return this.#restorer.emergencyRestore(options);
  }

  /** What restoring `name` (null: Emergency Restore's first choice) would do (`Restorer.preview`). */
  previewRestore(name: string | null): Promise<RestorePreview> {
    return this.#restorer.preview(name);
  }

  /** `previewRestore` of a backup that is not in the backup folder (an off-site copy, `where` it is). */
  previewCopy(record: ManifestRecord, where: string): Promise<RestorePreview> {
    return this.#restorer.previewCopy(record, where);
  }

  /** Resolves once the running operation and the checks that follow it in the background are done. */
  async settled(): Promise<void> {
    await this.#operations.idle();
    await this.#followUps?.settled();
  }

  /** A hidden temporary name in the backup folder for an upload on its way in (see `uploadTempPath`). */
  uploadTempPath(): string {
    return uploadTempPath(this.#ctx.folder);
  }

  /** Takes an uploaded file into the list after the full check a restore would make (`importUpload`). */
  importUpload(options: UploadedFile): Promise<ManifestRecord> {
    return importUpload(this.#ctx, options).then((record) => this.events.tellMade(record, this.#options.log));
  }

  /** This process's background work, which makes way for every operation someone starts (continuous protection's merges run there too). */
  get background(): BackgroundWork {
    return this.#operations.background;
  }

  /**
   * Puts rows of a table of the backup `name` back into the live database (`bringRowsBack`),
   * under the operation lock: no restore swaps the database and no backup copies it meanwhile.
   * A refusal (a row that would not fit, a backup not found) answers the request and changes
   * nothing; it is neither logged as an error nor kept as the last problem.
   */
  async bringRowsBack(request: BringBackRequest): Promise<BringBackResult> {
    const outcome = await this.#operations.run("Putting rows back failed", async () => {
      try {
        return { done: await bringRowsBack(this.#ctx, request) };
      } catch (error) {
        if (error instanceof AppError) return { refused: error };
        throw error;
      }
    });
    if ("refused" in outcome) throw outcome.refused;
    return outcome.done;
  }

  /** Deletes a backup; the newest good one (`newestGood`) is refused (`ProtectedBackupError`). */
  deleteBackup(name: string, options: { by?: string | null } = {}): Promise<void> {
    return this.#operations.run("Delete failed", () =>
      removeUnlessKept(
        this.#ctx.folder,
        name,
        options.by ?? null,
        (listing) => this.newestGood(listing)?.name,
      ),
    );
  }
}
