/**
 * node:sqlite's errors named as bun:sqlite names them. Deno's `code` is always
 * `ERR_SQLITE_ERROR`; a failed statement carries SQLite's result code in `errcode`, but a failed
 * `exec()` or open carries only the message. The app tells a busy lock or a full disk by `code`
 * (`SQLITE_BUSY`, `SQLITE_FULL`), so every error leaving the wrapper gets SQLite's code name.
 */

/** SQLite's primary result codes, each with the text `sqlite3_errstr()` gives it. */
const RESULT_CODES: [number, string, string][] = [
  [2, "SQLITE_INTERNAL", "SQLite internal error"],
  [3, "SQLITE_PERM", "access permission denied"],
  [4, "SQLITE_ABORT", "query aborted"],
  [5, "SQLITE_BUSY", "database is locked"],
  [6, "SQLITE_LOCKED", "database table is locked"],
  [7, "SQLITE_NOMEM", "out of memory"],
  [8, "SQLITE_READONLY", "attempt to write a readonly database"],
  [9, "SQLITE_INTERRUPT", "interrupted"],
  [10, "SQLITE_IOERR", "disk I/O error"],
  [11, "SQLITE_CORRUPT", "database disk image is malformed"],
  [12, "SQLITE_NOTFOUND", "unknown operation"],
  [13, "SQLITE_FULL", "database or disk is full"],
  [14, "SQLITE_CANTOPEN", "unable to open database file"],
  [15, "SQLITE_PROTOCOL", "locking protocol"],
  [17, "SQLITE_SCHEMA", "database schema has changed"],
  [18, "SQLITE_TOOBIG", "string or blob too big"],
  [19, "SQLITE_CONSTRAINT", "constraint failed"],
  [20, "SQLITE_MISMATCH", "datatype mismatch"],
  [21, "SQLITE_MISUSE", "bad parameter or other API misuse"],
  [22, "SQLITE_NOLFS", "large file support is disabled"],
  [23, "SQLITE_AUTH", "authorization denied"],
  [25, "SQLITE_RANGE", "column index out of range"],
  [26, "SQLITE_NOTADB", "file is not a database"],
];

const NAMES = new Map(RESULT_CODES.map(([code, name]) => [code, name]));

/** Constraint failures name the constraint instead of using the generic text. */
const CONSTRAINT_MESSAGE = /^(UNIQUE|NOT NULL|CHECK|FOREIGN KEY|PRIMARY KEY) constraint failed/;

/** The code name for an error of node:sqlite: from `errcode` when it has one, else from its text. */
function codeNameOf(error: { errcode?: unknown; message?: unknown }): string {
  if (typeof error.errcode === "number") return NAMES.get(error.errcode & 0xff) ?? "SQLITE_ERROR";
  const message = typeof error.message === "string" ? error.message : "";
  if (CONSTRAINT_MESSAGE.test(message)) return "SQLITE_CONSTRAINT";
  for (const [, name, text] of RESULT_CODES) if (message.startsWith(text)) return name;
  return "SQLITE_ERROR";
}

/**
 * Gives an error node:sqlite threw SQLite's code name in `code` (and the number in `errno`, as
 * bun:sqlite does); returns it. Errors of argument checks (`ERR_INVALID_ARG_TYPE` …) stay as
 * they are.
 */
export function nameSqliteError(error: unknown): unknown {
  if (typeof error !== "object" || error === null) return error;
  const fields = error as { code?: unknown; errcode?: unknown; errno?: unknown; message?: unknown };
  if (fields.code !== "ERR_SQLITE_ERROR") return error;
  fields.code = codeNameOf(fields);
  if (typeof fields.errcode === "number") fields.errno = fields.errcode;
  return error;
}

/** Runs `action`, rethrowing what node:sqlite throws with SQLite's code name (`nameSqliteError`). */
export function withSqliteCodes<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw nameSqliteError(error);
  }
}

/** An error like the one SQLite gives when it cannot open a file, for a check made before SQLite. */
export function cannotOpenError(path: string): Error {
  return Object.assign(new Error(`unable to open database file: ${path}`), {
    code: "SQLITE_CANTOPEN",
    errno: 14,
  });
}
