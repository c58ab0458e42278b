/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, describeError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import { ErrorPage } from "../views/error-page.tsx";
import { respondPage } from "./html.ts";

/** An error with the HTTP answer it deserves; made by the engine's typed errors or by routes. */
export interface HttpProblem {
  status: ContentfulStatusCode;
  code: string;
  message: string;
  /** Sent as `Retry-After` (a rate limit): seconds until the same request may succeed. */
  retryAfterSeconds?: number;
}

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  "backup.busy": 409,
  "http.bad_form": 400,
  "user.db_changed": 503,
  "db.busy": 409,
  "backup.no_space": 507,
  "backup.not_found": 404,
  "backup.bad_name": 400,
  "backup.unusable": 422,
  "backup.none_usable": 404,
  "backup.protected": 409,
  "backup.bad_description": 400,
  "backup.rate_limited": 429,
};

const TITLES: Partial<Record<number, string>> = {
  400: "Bad request",
  401: "Sign-in needed",
  403: "Not allowed",
  404: "Page not found",
  409: "Busy",
  413: "Too large",
  429: "Too many requests",
  503: "Temporarily unavailable",
};

/** The one place where a thrown error becomes a status code and a sentence for a person. */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof AppError) {
    if (error.code === "db.closed") {
      return {
        status: 503,
        code: "restore_in_progress",
        message: "The database is being restored or is not available right now. Try again in a moment.",
      };
    }
    // The app's own errors are sentences meant for people: shown as they are, never a stack trace.
    const problem: HttpProblem = {
      status: STATUS_BY_CODE[error.code] ?? 500,
      code: error.code,
      message: error.message,
    };
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof retryAfter === "number") problem.retryAfterSeconds = retryAfter;
    return problem;
  }
  return {
    status: 500,
    code: "internal",
    message: "Something went wrong on the server. The details are in database_backups/backup.log.",
  };
}

/** The request's path. Without a Host header Bun hands over only the path, which Hono would misread. */
function pathOf(c: Context): string {
  const url = c.req.raw.url;
  return url.startsWith("/") ? (url.split(/[?#]/)[0] ?? "/") : c.req.path;
}

function wantsJson(c: Context): boolean {
  return pathOf(c).startsWith("/api/") || (c.req.header("accept") ?? "").startsWith("application/json");
}

/** Answers with a problem: JSON `{"error":{code,message}}` for the API, a page for a browser. */
export function respondProblem(c: Context, problem: HttpProblem): Response | Promise<Response> {
  if (problem.retryAfterSeconds !== undefined) c.header("Retry-After", String(problem.retryAfterSeconds));
  if (wantsJson(c)) {
    return c.json({ error: { code: problem.code, message: problem.message } }, problem.status);
  }
  const title = TITLES[problem.status] ?? "Error";
  return respondPage(
    c,
    <ErrorPage status={problem.status} title={title} message={problem.message} />,
    problem.status,
  );
}

export function notFound(c: Context): Response | Promise<Response> {
  return respondProblem(c, {
    status: 404,
    code: "not_found",
    message: `There is nothing at ${c.req.path}.`,
  });
}

/**
 * Turns an error thrown by a route into its answer. Only a genuine server fault (500) is an
 * ERROR line in the log; refusals the app expects (every 4xx, 503 while a restore has the
 * database closed, 507 no disk space) are answers, not faults, and the engine logs its own failures.
 */
export function createErrorHandler(log: Log) {
  return (error: Error, c: Context): Response | Promise<Response> => {
    const problem = toProblem(error);
    if (problem.status === 500) {
      log.error(`${c.req.method} ${pathOf(c)} failed: ${describeError(error)}`);
    }
    return respondProblem(c, problem);
  };
}
