import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import type { Context } from "hono";
import { decodeField, type MultipartError, make as makeMultipartParser } from "multipasta";
import { isDiskFull } from "#runtime/errors.ts";
import type { Auth } from "../../auth/auth.ts";
import type { BackupEngine } from "../../backup/index.ts";
import { NotEnoughSpaceError, spaceNeeded } from "../../backup/index.ts";
import { describeError } from "../../lib/errors.ts";
import { formatBytes } from "../../lib/format.ts";
import { sameSecret } from "../../lib/tokens.ts";
import { recordAudit } from "../audit.ts";
import type { AppEnv } from "../context.ts";
import type { SettingsPort } from "../deps.ts";
import { csrfRefused, uploadRefused } from "../http-errors.ts";
import { uploadBodyLimit } from "../middleware/body-limit.ts";

/** The largest text field of the upload form (the description, the CSRF token). */
const MAX_FIELD_BYTES = 64 * 1024;
/** The form sends three parts; a few more are tolerated, thousands are not. */
const MAX_PARTS = 16;

const FORM_ONLY = "send the file from the upload form (multipart/form-data).";
const CUT_OFF = "the upload ended too early: the file is incomplete.";

/** An upload complete on disk, under a hidden temporary name in the backup folder. */
export interface ReceivedUpload {
  tempPath: string;
  /** The file's name on the person's computer ("" when the form did not say it readably). */
  originalName: string;
  description: string;
}

function multipartProblem(error: MultipartError): string {
  if (error._tag === "InvalidBoundary") return FORM_ONLY;
  if (error._tag === "EndNotReached") return CUT_OFF;
  if (error._tag === "ReachedLimit") {
    return error.limit === "MaxFieldSize"
      ? "a field of the form is too long."
      : "the form has too many parts.";
  }
  return "a part of the form cannot be read.";
}

/** Refuses at once, before a byte is read, what the headers already show will not fit. */
function checkDeclaredSize(c: Context<AppEnv>, engine: BackupEngine, maxUploadMb: number): void {
  const length = Number(c.req.header("content-length"));
  if (!Number.isFinite(length)) return;
  if (length > uploadBodyLimit(maxUploadMb)) {
    const limit = formatBytes(maxUploadMb * 1024 * 1024);
    throw uploadRefused(
      "upload.too_large",
      `the file is too large (${formatBytes(length)}; at most ${limit}).`,
    );
  }
  const free = engine.freeBytes();
  if (free !== null && free < spaceNeeded(length)) throw new NotEnoughSpaceError(spaceNeeded(length), free);
}

function writeAll(fd: number, chunk: Uint8Array): void {
  for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done);
}

/**
 * Reads the form as it arrives: its text fields whole, the file written to `fd` chunk by chunk
 * (never whole in memory) and counted against `maxBytes`. The CSRF token must come before the
 * file (header `X-CSRF-Token` or the `_csrf` field). Throws the first refusal; stops reading then.
 */
async function streamForm(
  c: Context<AppEnv>,
  body: ReadableStream<Uint8Array>,
  options: { fd: number; maxBytes: number; csrfToken: string; auth: Auth },
) {
  const fields: Record<string, string> = {};
  let csrfOk = sameSecret(c.req.header("x-csrf-token"), options.csrfToken);
  let originalName: string | null = null;
  let written = 0;
  let refusal: Error | null = null;
  let done = false;
  const refuse = (error: Error) => {
    refusal ??= error;
  };
  const parser = makeMultipartParser({
    headers: { "content-type": c.req.header("content-type") ?? "" },
    maxFieldSize: MAX_FIELD_BYTES,
    maxParts: MAX_PARTS,
    onField(info, value) {
      fields[info.name] = decodeField(info, value);
      if (info.name === "_csrf" && sameSecret(fields[info.name], options.csrfToken)) csrfOk = true;
    },
    onFile(info) {
      if (!csrfOk) {
        const target = "POST /backup/upload: missing or wrong CSRF token";
        recordAudit(c, options.auth, { action: "csrf", target, outcome: "denied" });
        refuse(csrfRefused());
      } else if (originalName !== null)
        refuse(uploadRefused("upload.bad_form", "upload one file at a time."));
      else originalName = info.filename ?? "";
      return (chunk) => {
        if (chunk === null || refusal !== null) return;
        written += chunk.length;
        if (written > options.maxBytes) {
          const limit = formatBytes(options.maxBytes);
          return refuse(uploadRefused("upload.too_large", `the file is too large (at most ${limit}).`));
        }
        try {
          writeAll(options.fd, chunk);
        } catch (error) {
          refuse(
            isDiskFull(error)
              ? uploadRefused("upload.disk_full", "the disk became full during the upload")
              : (error as Error),
          );
        }
      };
    },
    onError: (error) => refuse(uploadRefused("upload.bad_form", multipartProblem(error))),
    onDone: () => {
      done = true;
    },
  });
  const reader = body.getReader();
  try {
    while (refusal === null && !done) {
      const next = await reader.read();
      if (next.done) break;
      parser.write(next.value);
    }
    if (refusal === null && !done) parser.end();
  } catch (error) {
    refuse(uploadRefused("upload.bad_form", `the upload was cut off (${describeError(error)}).`));
  } finally {
    reader.cancel().catch(() => {});
  }
  if (refusal !== null) throw refusal;
  if (!done) throw uploadRefused("upload.bad_form", CUT_OFF);
  if (originalName === null || written === 0)
    throw uploadRefused("upload.bad_form", "choose a backup file to upload.");
  return { originalName: originalName as string, description: (fields.description ?? "").trim() };
}

/**
 * Streams an uploaded backup file to a hidden temporary file in the backup folder within
 * `max_upload_mb` and the free disk space. The CSRF token is checked here, before the file, so
 * the body is never buffered to find it. On any failure nothing is left on disk.
 */
export async function receiveUpload(
  c: Context<AppEnv>,
  deps: { engine: BackupEngine; settings: SettingsPort; auth: Auth },
): Promise<ReceivedUpload> {
  const maxUploadMb = deps.settings.current.settings.max_upload_mb;
  const session = c.get("session");
  const body = c.req.raw.body;
  if (!body || !session) throw uploadRefused("upload.bad_form", FORM_ONLY);
  checkDeclaredSize(c, deps.engine, maxUploadMb);
  const tempPath = deps.engine.uploadTempPath();
  const fd = openSync(tempPath, "wx", 0o600);
  try {
    const form = await streamForm(c, body, {
      fd,
      maxBytes: maxUploadMb * 1024 * 1024,
      csrfToken: session.csrfToken,
      auth: deps.auth,
    });
    closeSync(fd);
    return { tempPath, ...form };
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Closed already.
    }
    rmSync(tempPath, { force: true });
    throw error;
  }
}
