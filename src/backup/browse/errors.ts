import { AppError } from "../../lib/errors.ts";

export const LOOK_ERROR_CODES = [
  "look.not_found",
  "look.app_table",
  "look.no_key",
  "look.untrusted",
  "look.unverified",
  "look.bad_cursor",
  "look.changed",
  "look.bad_side",
  "look.no_database",
] as const;
export type LookErrorCode = (typeof LOOK_ERROR_CODES)[number];

/**
 * Looking inside a backup was refused: the table is not in it (`look.not_found`), it is one of
 * the app's own tables whose rows are never shown (`look.app_table`), it has no primary key to
 * compare by (`look.no_key`), the file did not pass the trust rule (`look.untrusted`) or has not
 * passed its full check (`look.unverified`), a cursor is not one this engine gave
 * (`look.bad_cursor`), or the file changed since it was judged (`look.changed`). Crosses the
 * worker boundary as itself (`worker-errors.ts`).
 */
export class LookError extends AppError<LookErrorCode> {}

export function tableNotFound(table: string): LookError {
  return new LookError("look.not_found", `The backup has no table called ${JSON.stringify(table)}.`);
}

export function appTableRefused(table: string): LookError {
  return new LookError(
    "look.app_table",
    `${JSON.stringify(table)} is one of BusinessApp's own tables (sign-in, sessions, audit trail): only its row count is shown.`,
  );
}

export function noKeyRefused(table: string, why = "it has no primary key"): LookError {
  return new LookError(
    "look.no_key",
    `The rows of ${JSON.stringify(table)} cannot be compared with today's: ${why}, so a row of the backup cannot be matched with a row now. Its rows can still be browsed.`,
  );
}

export function badCursor(): LookError {
  return new LookError(
    "look.bad_cursor",
    "That page position is not one this backup's pages gave; start again from the first page.",
  );
}
