import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import type { Context } from "hono";
import type { Auth } from "../../auth/auth.ts";
import { descriptionProblem } from "../../backup/description.ts";
import { type BackupEngine, spaceNeeded } from "../../backup/engine.ts";
import type { SettingsStore } from "../../config/settings-store.ts";
import { describeError } from "../../lib/errors.ts";
import { formatBytes } from "../../lib/format.ts";
import { boundaryOf, MultipartError, readMultipart } from "../../lib/multipart.ts";
import { sameSecret } from "../../lib/tokens.ts";
import type { AppEnv } from "../context.ts";
import { uploadBodyLimit } from "../middleware/body-limit.ts";
import { auditAction } from "./audit-action.ts";

export type UploadResult =
  | { ok: true; tempPath: string; originalName: string; description: string }
  | { ok: false; status: 400 | 403 | 413 | 507; message: string };

class UploadRefused extends Error {
  constructor(
    readonly status: 400 | 403 | 413 | 507,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Streams an uploaded backup file to a hidden temporary file in the backup folder, chunk by
 * chunk (never whole in memory), within `max_upload_mb` and the free disk space. The CSRF token
 * is checked here, from the header or from the `_csrf` field that comes before the file, so the
 * body is never buffered to find it. On any failure nothing is left on disk.
 */
export async function receiveUpload(
  c: Context<AppEnv>,
  deps: { engine: BackupEngine; settings: SettingsStore; auth: Auth },
): Promise<UploadResult> {
  const limit = deps.settings.current.settings.max_upload_mb * 1024 * 1024;
  const length = Number(c.req.header("content-length"));
  const session = c.get("session");
  const boundary = boundaryOf(c.req.header("content-type"));
  if (!boundary || !c.req.raw.body || !session) {
    return { ok: false, status: 400, message: "send the file from the upload form (multipart/form-data)." };
  }
  if (Number.isFinite(length) && length > uploadBodyLimit(deps.settings.current.settings.max_upload_mb)) {
    return {
      ok: false,
      status: 413,
      message: `the file is too large (${formatBytes(length)}; at most ${formatBytes(limit)}).`,
    };
  }
  const free = deps.engine.freeBytes();
  if (Number.isFinite(length) && free !== null && free < spaceNeeded(length)) {
    return {
      ok: false,
      status: 507,
      message: `not enough disk space (needs ${formatBytes(spaceNeeded(length))}, ${formatBytes(free)} free)`,
    };
  }

  let csrfOk = sameSecret(c.req.header("x-csrf-token"), session.csrfToken);
  const fields: Record<string, string> = {};
  const tempPath = deps.engine.uploadTempPath();
  const fd = openSync(tempPath, "wx", 0o600);
  let written = 0;
  let originalName: string | null = null;
  try {
    await readMultipart(c.req.raw.body, boundary, {
      field(name, value) {
        fields[name] = value;
        if (name === "_csrf" && sameSecret(value, session.csrfToken)) csrfOk = true;
      },
      fileStart(part) {
        if (!csrfOk) {
          auditAction.record(
            c,
            deps.auth,
            "csrf",
            "POST /backup/upload: missing or wrong CSRF token",
            "denied",
          );
          throw new UploadRefused(
            403,
            "this request did not come from this app's own page. Reload the page and try again.",
          );
        }
        if (originalName !== null) throw new UploadRefused(400, "upload one file at a time.");
        originalName = part.filename ?? "";
      },
      data(chunk) {
        written += chunk.length;
        if (written > limit)
          throw new UploadRefused(413, `the file is too large (at most ${formatBytes(limit)}).`);
        writeSync(fd, chunk);
      },
      fileEnd() {},
    });
    closeSync(fd);
    if (originalName === null || written === 0)
      throw new UploadRefused(400, "choose a backup file to upload.");
    const description = (fields.description ?? "").trim();
    const problem = descriptionProblem(description);
    if (problem) throw new UploadRefused(400, problem);
    return { ok: true, tempPath, originalName, description };
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
    rmSync(tempPath, { force: true });
    if (error instanceof UploadRefused) return { ok: false, status: error.status, message: error.message };
    if (error instanceof MultipartError) return { ok: false, status: 400, message: error.message };
    const text = describeError(error);
    if (/ENOSPC|no space/i.test(text))
      return { ok: false, status: 507, message: "the disk became full during the upload" };
    return { ok: false, status: 400, message: `the upload was cut off (${text}).` };
  }
}
