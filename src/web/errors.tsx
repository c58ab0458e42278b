/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isDiskFull } from "#runtime/errors.ts";
import { ERROR_ANSWERS, type OperationErrorCode } from "../app/error-codes.ts";
import { ConfigError } from "../config/load.ts";
import { AppError, describeError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import type { AssetUrls } from "../views/layout/document.tsx";
import { ErrorPage } from "../views/layout/error-page.tsx";
import { refusedSettingWords } from "../views/settings/setting-labels.ts";
import type { AppEnv } from "./context.ts";
import { respondPage } from "./html.ts";
import { diskFull, internalError, notFound, restoreInProgress, type WebErrorCode } from "./http-errors.ts";

/** Every code an error that reaches a route may carry. */
export type ErrorCode = OperationErrorCode | WebErrorCode;

/** The answer to each code: the operations' from their one table (`ERROR_ANSWERS`), the web's own here. */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  ...(Object.fromEntries(Object.entries(ERROR_ANSWERS).map(([code, [status]]) => [code, status])) as Record<
    OperationErrorCode,
    ContentfulStatusCode
  >),
  "http.bad_form": 400,
  "request.bad_json": 400,
  "request.bad_input": 400,
  "request.too_large": 413,
  "access.unauthorized": 401,
  "access.forbidden": 403,
  "access.csrf": 403,
  "request.not_found": 404,
  "request.bad_host": 400,
  "request.host_not_allowed": 403,
  "app.recovery_mode": 503,
  "app.restore_in_progress": 503,
  "app.internal": 500,
  "upload.bad_form": 400,
  "upload.too_large": 413,
  "upload.disk_full": 507,
  "app.disk_full": 507,
};

const TITLES: Partial<Record<number, string>> = {
  400: "Bad request",
  401: "Sign-in needed",
  403: "Not allowed",
  404: "Page not found",
  409: "Busy",
  410: "Link expired",
  413: "Too large",
  429: "Too many requests",
  503: "Temporarily unavailable",
};

/** A thrown error as the answer it deserves. */
export interface Problem {
  status: ContentfulStatusCode;
  code: string;
  /** A sentence for a person, never a stack trace. */
  message: string;
  /** Sent as `Retry-After` (a rate limit, recovery mode): seconds until the same request may succeed. */
  retryAfterSeconds?: number;
}

/** How a route shows a refusal on its own page (the form again, with the reason); undefined for the error page. */
export type ProblemView = (
  c: Context<AppEnv>,
  problem: Problem,
  error: unknown,
) => Response | Promise<Response> | undefined;

/** The one place where a thrown error becomes a status code and a sentence for a person. */
export function problemOf(error: unknown): Problem {
  // The app's own errors are sentences meant for people: shown as they are.
  const known = !(error instanceof AppError)
    ? isDiskFull(error)
      ? diskFull()
      : internalError()
    : error.code === "db.closed"
      ? restoreInProgress()
      : error;
  const problem: Problem = {
    status: STATUS[known.code as ErrorCode] ?? 500,
    code: known.code,
    // A refused setting is said by its label on the Settings page; its key is for the file and the log.
    message: known instanceof ConfigError && known.issue ? refusedSettingWords(known.issue) : known.message,
  };
  const retryAfter = (known as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof retryAfter === "number") problem.retryAfterSeconds = retryAfter;
  return problem;
}

/** From now on this request's refusals are shown by `view` (JSON requests still get JSON). */
export function showProblemsWith(c: Context<AppEnv>, view: ProblemView): void {
  c.set("problemView", view);
}

/** The request's path. Without a Host header Bun hands over only the path, which Hono would misread. */
function pathOf(c: Context): string {
  const url = c.req.raw.url;
  return url.startsWith("/") ? (url.split(/[?#]/)[0] ?? "/") : c.req.path;
}

export function wantsJson(c: Context): boolean {
  return pathOf(c).startsWith("/api/") || (c.req.header("accept") ?? "").startsWith("application/json");
}

/**
 * The app's `onError` and `notFound`. Every refusal and fault is answered here: JSON
 * `{"error":{code,message}}` under /api, otherwise the route's own page or the error page. Only
 * a genuine fault (500) is an ERROR line in the log; refusals the app expects (every 4xx, 503
 * while a restore has the database closed, 507 no disk space) are answers, not faults, and the
 * engine logs its own failures.
 */
export function createErrorHandling(deps: {
  log: Log;
  assets: AssetUrls;
  recovery: { readonly active: boolean };
}) {
  async function onError(error: unknown, c: Context<AppEnv>): Promise<Response> {
    const problem = problemOf(error);
    if (problem.status === 500)
      deps.log.error(`${c.req.method} ${pathOf(c)} failed: ${describeError(error)}`);
    if (problem.retryAfterSeconds !== undefined) c.header("Retry-After", String(problem.retryAfterSeconds));
    if (wantsJson(c)) {
      return c.json({ error: { code: problem.code, message: problem.message } }, problem.status);
    }
    try {
      const shown = await c.get("problemView")?.(c, problem, error);
      if (shown) return shown;
    } catch {
      // The page itself cannot be shown now (the database closed meanwhile): the error page can.
    }
    const title = TITLES[problem.status] ?? "Error";
    return respondPage(
      c,
      <ErrorPage
        status={problem.status}
        title={title}
        message={problem.message}
        assets={deps.assets}
        recoveryMode={deps.recovery.active}
      />,
      problem.status,
    );
  }
  return { onError, notFound: (c: Context<AppEnv>) => onError(notFound(c.req.path), c) };
}
