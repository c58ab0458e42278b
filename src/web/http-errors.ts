import { AppError } from "../lib/errors.ts";
import { formatBytes } from "../lib/format.ts";

/**
 * The web layer's own refusals: requests it cannot read or may not answer, and the codes it
 * answers with for a closed database (`restore_in_progress`) and for a fault (`internal`).
 */
export const WEB_ERROR_CODES = [
  "http.bad_form",
  "request.bad_json",
  "request.bad_input",
  "request.too_large",
  "access.unauthorized",
  "access.forbidden",
  "access.csrf",
  "request.not_found",
  "request.bad_host",
  "request.host_not_allowed",
  "app.recovery_mode",
  "app.restore_in_progress",
  "app.internal",
  "upload.bad_form",
  "upload.too_large",
  "upload.disk_full",
  "app.disk_full",
] as const;
export type WebErrorCode = (typeof WEB_ERROR_CODES)[number];

export class WebError extends AppError<WebErrorCode> {
  declare readonly code: WebErrorCode;
  /** Sent as `Retry-After`: seconds until the same request may succeed. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: WebErrorCode, message: string, retryAfterSeconds?: number) {
    super(code, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Any `Open the app by its address` advice names the default address. */
const OPEN_BY_ADDRESS = "Open the app by its address, such as http://localhost:5000.";

export const badForm = (message = "The form could not be read. Reload the page and try again.") =>
  new WebError("http.bad_form", message);
export const badJson = (message: string) => new WebError("request.bad_json", message);
export const badInput = (message: string) => new WebError("request.bad_input", message);
export const tooLarge = (limit: number) =>
  new WebError("request.too_large", `The request is too large (at most ${formatBytes(limit)}).`);
export const unauthorized = () => new WebError("access.unauthorized", "Sign in first.");
export const forbidden = (message: string) => new WebError("access.forbidden", message);
export const csrfRefused = () =>
  new WebError(
    "access.csrf",
    "This request did not come from this app's own page. Reload the page and try again.",
  );
export const notFound = (path: string) => new WebError("request.not_found", `There is nothing at ${path}.`);
export const badHost = (missing: boolean) =>
  new WebError(
    "request.bad_host",
    missing
      ? `The request has no Host header. ${OPEN_BY_ADDRESS}`
      : `The request's Host header is not a host name or address. ${OPEN_BY_ADDRESS}`,
  );
export const hostNotAllowed = (name: string) =>
  new WebError(
    "request.host_not_allowed",
    `This app does not answer to the name "${name}". Add it to allowed_hosts to use it.`,
  );
export const recoveryMode = () =>
  new WebError(
    "app.recovery_mode",
    "The database cannot be used, so BusinessApp runs in recovery mode. Open the recovery link printed in the " +
      "console and in database_backups/backup.log, or run: business-app restore --latest",
    60,
  );
export const restoreInProgress = () =>
  new WebError(
    "app.restore_in_progress",
    "The database is being restored or is not available right now. Try again in a moment.",
  );
/** Whatever ran out of room on a full disk (the audit trail, the list of backups …): said as such. */
export const diskFull = () =>
  new WebError(
    "app.disk_full",
    "The disk is full, so this could not be finished. Free some space on the disk of BusinessApp's data folder, then try again.",
  );

export const internalError = () =>
  new WebError(
    "app.internal",
    "Something went wrong on the server. The details are in database_backups/backup.log.",
  );
export const uploadRefused = (
  code: "upload.bad_form" | "upload.too_large" | "upload.disk_full",
  message: string,
) => new WebError(code, message);
