import { isDiskFull } from "#runtime/errors.ts";
import { AppError, describeError } from "../lib/errors.ts";
import { S3Failure, type S3Problem } from "./places/s3/http.ts";

export const OFFSITE_ERROR_CODES = [
  "offsite.not_configured",
  "offsite.access_denied",
  "offsite.no_bucket",
  "offsite.unreachable",
  "offsite.timeout",
  "offsite.clock",
  "offsite.not_s3",
  "offsite.mirror_unavailable",
  "offsite.full",
  "offsite.not_found",
  "offsite.no_passphrase",
  "offsite.wrong_passphrase",
  "offsite.damaged",
  "offsite.local_changed",
  "offsite.conflict",
  "offsite.busy",
  "offsite.passphrase_refused",
  "offsite.failed",
] as const;
export type OffsiteErrorCode = (typeof OFFSITE_ERROR_CODES)[number];

/**
 * An off-site copy, listing or download that failed. `reason` is the short cause a status line
 * shows ("access denied"); `message` says where and what to do about it.
 */
export class OffsiteError extends AppError<OffsiteErrorCode> {
  readonly reason: string;

  constructor(code: OffsiteErrorCode, reason: string, detail?: string, options?: { cause?: unknown }) {
    super(code, detail ? `${reason} (${detail})` : reason, options);
    this.reason = reason;
  }
}

/** Off-site copies, or the one named, are not set up. */
export class OffsiteNotConfiguredError extends OffsiteError {
  constructor(what = "Off-site copies are not set up") {
    super(
      "offsite.not_configured",
      `${what}: set offsite_mirror_dir, or offsite_s3_bucket with its endpoint and keys`,
    );
  }
}

export class OffsiteBusyError extends OffsiteError {
  constructor(pid: number | null) {
    const who = pid === null || pid === process.pid ? "" : ` (process ${pid})`;
    super(
      "offsite.busy",
      `Off-site copies are being made by another run${who}. Try again when it has finished.`,
    );
  }
}

export class CopyNotFoundError extends OffsiteError {
  constructor(name: string, where: string) {
    super("offsite.not_found", `There is no off-site copy of ${JSON.stringify(name)} in ${where}.`);
  }
}

/** What each kind of failed request is called, and what to do about it. */
const STORE_PROBLEMS: Record<S3Problem, [OffsiteErrorCode, string, string]> = {
  refused: [
    "offsite.unreachable",
    "the storage service refused the connection",
    "check offsite_s3_endpoint and the network",
  ],
  timeout: [
    "offsite.timeout",
    "the storage service did not answer in time",
    "try again later, or check the network",
  ],
  credentials: [
    "offsite.access_denied",
    "access denied",
    "the access key id or the secret access key is wrong, or the key may not use this bucket",
  ],
  clock: [
    "offsite.clock",
    "this PC's clock is off",
    "the storage service refuses requests signed with a time that far from its own",
  ],
  bucket: ["offsite.no_bucket", "the bucket does not exist", "check offsite_s3_bucket and offsite_s3_region"],
  not_s3: [
    "offsite.not_s3",
    "the address does not answer as an S3 storage service",
    "check offsite_s3_endpoint",
  ],
  not_found: ["offsite.not_found", "the copy is not there", "it was removed meanwhile"],
  no_upload: ["offsite.failed", "the storage service refused the request", ""],
  too_many: [
    "offsite.failed",
    "the place holds too many objects to list",
    "give BusinessApp a folder of its own in the bucket (offsite_s3_prefix)",
  ],
  other: ["offsite.failed", "the storage service refused the request", ""],
};

/** Anything a run met, as an `OffsiteError` (an unexpected one keeps its message). */
export function asOffsiteError(error: unknown): OffsiteError {
  if (error instanceof OffsiteError) return error;
  return new OffsiteError("offsite.failed", "the copy failed", describeError(error), { cause: error });
}

/** True for the error of a copy given up on purpose (the app is closing): it is no failure of the place. */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

/**
 * A failed request (`S3Failure`, or anything thrown while talking to the service) as an
 * `OffsiteError`: what kind of failure it is, the HTTP status and the service's code when it sent
 * one, and what to do — never what the service's answer said in words.
 */
export function storeError(error: unknown): OffsiteError {
  if (error instanceof OffsiteError) return error;
  if (!(error instanceof S3Failure))
    return new OffsiteError("offsite.failed", "the storage service failed", describeError(error), {
      cause: error,
    });
  const [code, generic, hint] = STORE_PROBLEMS[error.problem];
  const reason =
    error.problem === "clock" && error.skewMinutes !== null
      ? `this PC's clock is ${error.skewMinutes} minute${error.skewMinutes === 1 ? "" : "s"} off: correct the clock`
      : generic;
  const detail = [error.message, hint].filter(Boolean).join(": ");
  return new OffsiteError(code, reason, detail, { cause: error });
}

/** A file-system error in the mirror folder as an `OffsiteError`. */
export function mirrorError(error: unknown, dir: string): OffsiteError {
  if (error instanceof OffsiteError) return error;
  if (isDiskFull(error)) return new OffsiteError("offsite.full", "the disk is full", dir);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT" || code === "ENOTDIR")
    return new OffsiteError(
      "offsite.mirror_unavailable",
      "the folder is not there",
      `${dir}: is the drive connected?`,
    );
  if (code === "EACCES" || code === "EPERM" || code === "EROFS")
    return new OffsiteError("offsite.mirror_unavailable", "the folder cannot be written", dir);
  return new OffsiteError("offsite.failed", "writing failed", `${dir}: ${describeError(error)}`);
}
