import { basename } from "node:path";
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { DatabaseHandle } from "../db/handle.ts";
import type { SharingWait } from "../lib/files/sharing.ts";
import type { Log } from "../lib/log.ts";
import { type Clock, systemClock } from "../lib/time.ts";
import { BackupFolder } from "./catalog/folder.ts";
import type { BroughtIn } from "./catalog/manifest.ts";
import type { MadeKind } from "./catalog/names.ts";
import type { RetentionFacts, RetentionLimits } from "./catalog/retention.ts";
import { freeSpaceOf } from "./catalog/space.ts";
import type { HealthRecord } from "./inspect/checks.ts";
import type { BackgroundHold } from "./operations/background.ts";
import { type Operation, OperationRunner, type RunningOperation } from "./operations/runner.ts";

/**
 * The steps of a restore, in order: the copy while the app still serves; from `close` on, the
 * database is closed and requests are refused, until `answer` (reopened, the app answers again).
 * The crash tests stop the process before each one; the bench times them.
 */
export const RESTORE_STEPS = [
  "copy",
  "flush-copy",
  "close",
  "keep-safety",
  "remove-wal",
  "rename",
  "flush-folder",
  "answer",
] as const;
export type RestoreStep = (typeof RESTORE_STEPS)[number];

export interface BackupEngineOptions {
  database: string;
  backupsDir: string;
  /** Lock file that makes backups and restores one at a time across processes. */
  operationLock: string;
  log: Log;
  retention: RetentionLimits;
  /**
   * When the last automatic backup attempt failed (ISO 8601), or null: retention waits while it is
   * newer than the newest automatic backup. The app knows it (its scheduler, `alerts.json`); default null.
   */
  automaticFailedAt?: () => string | null;
  /** The app's own connection, closed and reopened around a restore; absent for the command line. */
  db?: DatabaseHandle | null;
  clock?: Clock;
  /** Manual backups one person may start per hour through `rateLimited` requests (default 12). */
  manualBackupsPerHour?: number;
  /** Free bytes where `dir` lives; replaceable in tests. */
  freeSpace?: (dir: string) => number;
  /** How long a rename or delete waits for another program that holds the file (default: 20 s, logged). */
  fileWait?: SharingWait;
  /** Called before each step of a restore's file swap; the crash tests use it to inject failures. */
  beforeRestoreStep?: (step: RestoreStep) => void;
  /** Called when a piece of background work is done, before it is recorded; tests hold a check there. */
  backgroundHold?: BackgroundHold;
  /** The migrations a restore drill runs on its copy (default: the embedded ones, as the app's database). */
  migrations?: MigrationMeta[];
}

export interface CreateBackupRequest {
  kind: MadeKind;
  description?: string;
  createdBy?: string | null;
  /**
   * Counts this backup against `createdBy`'s hourly limit of manual backups: set for requests
   * from the web, left out at the command line (a local operator is not limited).
   */
  rateLimited?: boolean;
}

export interface RestoreResult {
  restoredFrom: string;
  /** Null only when there was no database to keep. */
  safetyBackup: string | null;
}

/** What the engine's parts (snapshot, restore, upload) share of it; they run while it holds the lock. */
export interface EngineContext {
  database: string;
  folder: BackupFolder;
  /** The app's own connection, or null at the command line. */
  db: DatabaseHandle | null;
  log: Log;
  clock: Clock;
  freeSpace: (dir: string) => number;
  /** Shows the running operation and its progress. */
  operations: OperationRunner;
  /** What retention is judged against now: the clock, and whether the last automatic backup failed. */
  retentionFacts: () => RetentionFacts;
}

export type { BroughtIn, HealthRecord, MadeKind, Operation, RunningOperation };
/** Who asks for a restore, and the file it brings into the folder first (an off-site download). */
export interface RestoreOptions {
  by?: string | null;
  /**
   * A finished, checked file (`temp`) to bring in as the backup first, under the same hold of the
   * lock, with what is known of it: unless the folder holds those very bytes already; never over
   * another backup of the name (`NameTakenError`).
   */
  incoming?: { temp: string; about: BroughtIn };
}

/** What the engine's parts share, made from its options (the defaults: the system clock, the disk's free space). */
export function createEngineContext(options: BackupEngineOptions): EngineContext {
  const clock = options.clock ?? systemClock;
  // What an operation decides, it decides on a listing built after it took the lock.
  const onLocked = () => folder.forget();
  const operations = new OperationRunner({
    lockPath: options.operationLock,
    log: options.log,
    clock,
    onLocked,
    backgroundHold: options.backgroundHold,
  });
  const wait = options.fileWait ?? { timeoutMs: 20_000 };
  // The status shows what the running operation waits for, besides whatever the app does.
  const shownWait: SharingWait = {
    timeoutMs: wait.timeoutMs,
    onWait: (path, timeoutMs) => {
      operations.showWaitFor(basename(path));
      wait.onWait?.(path, timeoutMs);
    },
  };
  const folder = new BackupFolder(options.backupsDir, options.log, shownWait);
  return {
    database: options.database,
    folder,
    db: options.db ?? null,
    log: options.log,
    clock,
    freeSpace: options.freeSpace ?? freeSpaceOf,
    operations,
    retentionFacts: () => ({ now: clock(), automaticFailedAt: options.automaticFailedAt?.() ?? null }),
  };
}
