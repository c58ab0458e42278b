import { isDiskFull } from "#runtime/errors.ts";
import { AppError, describeError } from "../lib/errors.ts";
import { formatBytes } from "../lib/format.ts";
import type { HealthRecord } from "./inspect/checks.ts";

export const BACKUP_ERROR_CODES = [
  "backup.busy",
  "backup.no_space",
  "backup.rate_limited",
  "backup.bad_description",
  "backup.folder",
  "backup.database_damaged",
  "backup.snapshot_failed",
  "backup.not_found",
  "backup.bad_name",
  "backup.unusable",
  "backup.none_usable",
  "backup.protected",
  "restore.unusable",
  "backup.abandoned",
  "backup.choice_changed",
  "backup.name_taken",
] as const;
export type BackupErrorCode = (typeof BACKUP_ERROR_CODES)[number];

/** Another backup or restore is running (in this process or another one on the same folder). */
export class BackupBusyError extends AppError<BackupErrorCode> {
  constructor(pid: number | null) {
    const who = pid === null || pid === process.pid ? "" : ` (process ${pid})`;
    super("backup.busy", `Another backup or restore is running${who}. Try again when it has finished.`);
  }
}

export class NotEnoughSpaceError extends AppError<BackupErrorCode> {
  constructor(needed: number, free: number) {
    super(
      "backup.no_space",
      `not enough disk space (needs ${formatBytes(needed)}, ${formatBytes(free)} free)`,
    );
  }
}

/**
 * A manual backup would fit, but would leave less room than the next automatic backup needs:
 * automatic backups come first.
 */
export class NoRoomForAutomaticBackupError extends AppError<BackupErrorCode> {
  constructor(needed: number, free: number) {
    super(
      "backup.no_space",
      `not enough disk space to keep room for the next automatic backup (needs ${formatBytes(needed)}, ${formatBytes(free)} free)`,
    );
  }
}

/** One person started as many manual backups as the hourly limit allows. */
export class TooManyManualBackupsError extends AppError<BackupErrorCode> {
  /** Seconds until the oldest counted backup leaves the hour and another may start. */
  readonly retryAfterSeconds: number;

  constructor(limit: number, retryAfterSeconds: number) {
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    super(
      "backup.rate_limited",
      `You have started ${limit} manual ${limit === 1 ? "backup" : "backups"} within the last hour, the most allowed. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A description the backup list cannot show as it is (too long, control characters). */
export class InvalidDescriptionError extends AppError<BackupErrorCode> {
  constructor(message: string) {
    super("backup.bad_description", message);
  }
}

/**
 * Why a foreign file's rebuild failed, as the error to throw: the disk filled up, or the file
 * (`name`) cannot be rebuilt (`BackupUnusableError`).
 */
export function rebuildFailure(name: string, error: unknown, what: "backup" | "upload" = "backup"): Error {
  if (isDiskFull(error)) return new DiskFullError();
  if (error instanceof AppError) return error;
  return new BackupUnusableError(name, `it could not be rebuilt (${describeError(error)})`, what);
}

/** The disk filled up while the backup was being written. */
export class DiskFullError extends AppError<BackupErrorCode> {
  constructor() {
    super("backup.no_space", "not enough disk space: the disk became full while the backup was written");
  }
}

/** The backup list (`manifest.json`) could not be written: the disk is full. */
export class ListNotWrittenError extends AppError<BackupErrorCode> {
  constructor() {
    super(
      "backup.no_space",
      "not enough disk space: the disk of the backup folder is full, so the list of backups could not be written (free some space, then try again)",
    );
  }
}

export class BackupFolderError extends AppError<BackupErrorCode> {
  constructor(message: string) {
    super("backup.folder", message);
  }
}

/** The main database failed its check, so a backup of it would not be a good one. */
export class DatabaseDamagedError extends AppError<BackupErrorCode> {
  /** What SQLite found, in words. */
  readonly reason: string;
  /** The check that found it, for the status. */
  readonly health: HealthRecord;

  constructor(health: HealthRecord) {
    const reason = health.reason ?? "unknown damage";
    super("backup.database_damaged", `the database is damaged (${reason})`);
    this.reason = reason;
    this.health = health;
  }
}

/** A new snapshot failed its own check. */
export class SnapshotFailedError extends AppError<BackupErrorCode> {
  constructor(reason: string) {
    super("backup.snapshot_failed", reason);
  }
}

export class BackupNotFoundError extends AppError<BackupErrorCode> {
  constructor(name: string) {
    super("backup.not_found", `There is no backup called ${JSON.stringify(name)}.`);
  }
}

/** A file brought in (an off-site copy) would replace another backup of the same name: never done. */
export class NameTakenError extends AppError<BackupErrorCode> {
  constructor(name: string) {
    super("backup.name_taken", `another backup called ${name} is in the backup folder`);
  }
}

export class InvalidBackupNameError extends AppError<BackupErrorCode> {
  constructor() {
    super("backup.bad_name", "That is not a backup name: use a name exactly as the backup list shows it.");
  }
}

/**
 * The chosen backup failed the full check or is not a database of this app; for an `upload`, the
 * file sent was not taken in (nothing is restored then, so the sentence does not speak of a restore).
 */
export class BackupUnusableError extends AppError<BackupErrorCode> {
  constructor(name: string, reason: string, what: "backup" | "upload" = "backup") {
    super(
      "backup.unusable",
      what === "upload"
        ? `${name ? `The file ${name}` : "The uploaded file"} was not accepted as a backup: ${reason}.`
        : `The backup ${name} cannot be restored: ${reason}.`,
    );
  }
}

export class NoUsableBackupError extends AppError<BackupErrorCode> {
  constructor() {
    super("backup.none_usable", "No backup passed the full check, so there is nothing to restore from.");
  }
}

/**
 * An emergency restore was confirmed for one backup, but the newest good one is another now (a
 * backup made meanwhile, or the named one failed its full check): nothing is restored.
 */
export class ChoiceChangedError extends AppError<BackupErrorCode> {
  constructor(confirmed: string, chosen: string) {
    super(
      "backup.choice_changed",
      `The newest good backup is now ${chosen}, not ${confirmed} as confirmed. Nothing was restored; look at the question again.`,
    );
  }
}

export class ProtectedBackupError extends AppError<BackupErrorCode> {
  constructor(name: string) {
    super("backup.protected", `${name} is the newest good backup and cannot be deleted.`);
  }
}

/** The app is closing faster than the operation could finish, so it was given up (nothing half done is kept). */
export class OperationAbandonedError extends AppError<BackupErrorCode> {
  constructor() {
    super("backup.abandoned", "it was stopped because the app is closing; nothing half done was kept");
  }
}

/**
 * The restored file is in place but will not open: the app cannot work on it, so it goes into
 * recovery mode (the safety backup holds what was replaced).
 */
export class RestoredDatabaseUnusableError extends AppError<BackupErrorCode> {
  readonly reason: string;

  constructor(reason: string) {
    super("restore.unusable", `the restored database could not be opened (${reason})`);
    this.reason = reason;
  }
}
