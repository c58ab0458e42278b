import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { STREAMED_BODY_ROUTES } from "../access.ts";
import type { AppEnv } from "../context.ts";
import { tooLarge } from "../http-errors.ts";
import { routeKey } from "./access.ts";

/**
 * The largest body of a form or a JSON request. The app's biggest form is a few fields of at most
 * 200 characters, so 64 KiB leaves plenty of room while anyone, signed in or not, can make the
 * server hold at most this much of a request in memory.
 */
export const FORM_BODY_LIMIT = 64 * 1024;

/** Room for the multipart headers and the small fields around an uploaded file. */
const UPLOAD_FRAMING = 64 * 1024;

/** The most bytes an upload request may carry: `max_upload_mb` of file plus its form framing. */
export function uploadBodyLimit(maxUploadMb: number): number {
  return maxUploadMb * 1024 * 1024 + UPLOAD_FRAMING;
}

/**
 * A body limit on every route, refused (413) before the body is read: a `Content-Length` over the
 * limit is refused at once, and a body without one (chunked) is counted as it arrives and refused
 * as soon as it passes the limit. Forms and JSON get `FORM_BODY_LIMIT`; a route that streams its
 * body (the upload) is left to count its own bytes against `max_upload_mb`, so it is never buffered.
 */
export function bodyLimits(): MiddlewareHandler<AppEnv> {
  const small = bodyLimit({
    maxSize: FORM_BODY_LIMIT,
    onError: () => {
      throw tooLarge(FORM_BODY_LIMIT);
    },
  });
  return async (c, next) => {
    if (STREAMED_BODY_ROUTES.has(routeKey(c) ?? "")) return next();
    return small(c, next);
  };
}
