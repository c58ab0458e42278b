import type { AuthErrorCode, UserErrorCode } from "../auth/errors.ts";
import type { BackupErrorCode, BringBackErrorCode, LookErrorCode, PointErrorCode } from "../backup/index.ts";
import type { ConfigErrorCode } from "../config/load.ts";
import type { DatabaseErrorCode } from "../db/handle.ts";
import type { LockErrorCode } from "../lib/files/file-lock.ts";
import type { FileErrorCode } from "../lib/files/sharing.ts";
import type { MailErrorCode } from "../lib/smtp.ts";
import type { OffsiteErrorCode } from "../offsite/errors.ts";

/** Every code an error of the app's operations may carry (the web adds its own: `WebErrorCode`). */
export type OperationErrorCode =
  | BackupErrorCode
  | PointErrorCode
  | BringBackErrorCode
  | LookErrorCode
  | UserErrorCode
  | AuthErrorCode
  | ConfigErrorCode
  | DatabaseErrorCode
  | LockErrorCode
  | FileErrorCode
  | OffsiteErrorCode
  | MailErrorCode;

/** An HTTP status an error is answered with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 500 | 502 | 503 | 504 | 507;

/**
 * Exit codes of every command (docs/cli.md): 1 the operation failed, 2 bad usage or a bad or
 * missing setting, 3 another instance or another backup or restore holds what it needs.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  locked: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * How each error is answered, in one table for both faces: the HTTP status the web answers with
 * and the exit code of the command line. A code added to an area's list without its answers here
 * fails type checking.
 */
export const ERROR_ANSWERS: Record<OperationErrorCode, readonly [status: ErrorStatus, exit: ExitCode]> = {
  "backup.busy": [409, 3],
  "backup.no_space": [507, 1],
  "backup.rate_limited": [429, 1],
  "backup.bad_description": [400, 1],
  "backup.folder": [500, 1],
  "backup.database_damaged": [500, 1],
  "backup.snapshot_failed": [500, 1],
  "backup.not_found": [404, 1],
  "backup.bad_name": [400, 1],
  "backup.unusable": [422, 1],
  "backup.none_usable": [404, 1],
  "backup.protected": [409, 1],
  "restore.unusable": [500, 1],
  "backup.abandoned": [503, 1],
  "backup.choice_changed": [409, 1],
  "backup.name_taken": [409, 1],
  "bring_back.refused": [409, 1],
  "bring_back.bad_keys": [400, 1],
  "look.not_found": [404, 1],
  "look.app_table": [403, 1],
  "look.no_key": [422, 1],
  "look.untrusted": [422, 1],
  "look.unverified": [409, 1],
  "look.bad_cursor": [400, 1],
  "look.changed": [409, 1],
  "look.bad_side": [400, 1],
  "look.no_database": [404, 1],
  "continuous.not_covered": [404, 1],
  "continuous.damaged": [422, 1],
  "user.bad_name": [400, 1],
  "user.bad_role": [400, 1],
  "user.taken": [400, 1],
  "user.not_found": [404, 1],
  "user.not_allowed": [403, 1],
  "user.last_super_admin": [409, 1],
  "user.db_changed": [503, 1],
  "auth.weak_password": [400, 1],
  "auth.wrong_credentials": [401, 1],
  "auth.too_many_attempts": [429, 1],
  "setup.expired": [410, 1],
  "setup.invalid": [404, 1],
  "setup.passwords_differ": [400, 1],
  "config.invalid": [400, 2],
  "db.busy": [409, 1],
  "db.closed": [503, 1],
  "db.too_new": [500, 1],
  "db.present": [409, 1],
  "lock.held": [409, 3],
  "file.in_use": [409, 1],
  "offsite.not_configured": [400, 2],
  "offsite.access_denied": [502, 1],
  "offsite.no_bucket": [502, 1],
  "offsite.unreachable": [502, 1],
  "offsite.timeout": [504, 1],
  "offsite.clock": [502, 1],
  "offsite.not_s3": [502, 1],
  "offsite.mirror_unavailable": [502, 1],
  "offsite.full": [507, 1],
  "offsite.not_found": [404, 1],
  "offsite.no_passphrase": [422, 1],
  "offsite.wrong_passphrase": [422, 1],
  "offsite.damaged": [422, 1],
  "offsite.local_changed": [422, 1],
  "offsite.conflict": [409, 1],
  "offsite.busy": [409, 3],
  "offsite.passphrase_refused": [400, 1],
  "offsite.failed": [502, 1],
  "mail.not_configured": [400, 2],
  "mail.failed": [502, 1],
};

/** The exit code for an error a command failed with: the table's for the app's own errors, else 1. */
export function exitCodeOf(error: unknown): ExitCode {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code in ERROR_ANSWERS
    ? ERROR_ANSWERS[code as OperationErrorCode][1]
    : EXIT.failed;
}
