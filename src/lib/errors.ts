/**
 * Base of every error the app raises on purpose. `code` is stable and machine-readable
 * (`config.invalid`, `lock.held`, ...); `message` is a sentence a person understands.
 */
export class AppError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** What the system's error codes of files and folders mean, in words (`{path}`: the file concerned). */
const SYSTEM_WORDS: Record<string, string> = {
  EPERM: "the system does not allow BusinessApp to use {path} (no permission)",
  EACCES: "the system does not allow BusinessApp to use {path} (no permission)",
  EROFS: "{path} is on a disk that cannot be written to",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk space allowed to this user is used up",
  ENOENT: "{path} does not exist",
  EEXIST: "{path} is there already",
  ENOTDIR: "a part of {path} is a file, not a folder",
  EISDIR: "{path} is a folder, not a file",
  ENOTEMPTY: "the folder {path} is not empty",
  EBUSY: "{path} is in use by another program",
  EMFILE: "too many files are open at once",
  ENFILE: "too many files are open at once",
  EIO: "the disk could not be read or written (it may be failing or was disconnected)",
  ENAMETOOLONG: "the path {path} is too long",
};

/**
 * The message of anything thrown, without a stack trace. A file system error is said in words
 * ("the system does not allow BusinessApp to use /shop/database_backups (no permission)"), never
 * as its raw "EPERM: operation not permitted, access '…'".
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, path } = error as { code?: unknown; path?: unknown };
  const words = typeof code === "string" ? SYSTEM_WORDS[code] : undefined;
  if (!words) return error.message;
  return words.replace("{path}", typeof path === "string" && path ? path : "the file or folder");
}
