import { rmSync } from "node:fs";
import { formatBytes } from "../lib/format.ts";
import { assertValidDescription } from "./description.ts";
import { BackupUnusableError } from "./errors.ts";
import type { BackupFolder } from "./folder.ts";
import { setRollbackJournalMode } from "./journal-header.ts";
import type { ManifestRecord } from "./manifest.ts";
import type { EngineContext } from "./types.ts";
import { inspectFileInWorker } from "./worker-client.ts";

/** A hidden temporary name in the backup folder for an upload on its way in (a leftover is removed at start). */
export function uploadTempPath(folder: BackupFolder): string {
  folder.ensureWritable();
  return folder.pathOf(`.upload.${process.pid}.${crypto.randomUUID()}.tmp`);
}

export interface UploadedFile {
  /** The complete upload, in the backup folder under a hidden temporary name. */
  tempPath: string;
  description: string;
  /** The file name on the person's computer: the name's slug when there is no description. */
  originalName: string;
  by: string | null;
}

/**
 * Takes an uploaded file into the list as `uploaded_YYYYMMDD_HHMMSS[_slug].db` after the full
 * check a restore would make (SQLite integrity, this app's schema, not from a newer version):
 * a WAL-mode header rewritten to rollback-journal mode first (a backup is one self-contained
 * file), flushed, renamed, the folder flushed, recorded in the manifest. Throws
 * `BackupUnusableError` when the check fails. The caller removes the temporary file if it is still there.
 */
export async function importUploadedFile(ctx: EngineContext, options: UploadedFile): Promise<ManifestRecord> {
  const at = ctx.clock();
  setRollbackJournalMode(options.tempPath);
  const inspected = await inspectFileInWorker({ path: options.tempPath });
  if (!inspected.check.ok) {
    throw new BackupUnusableError(
      options.originalName || "the uploaded file",
      inspected.check.reason ?? "it failed its check",
    );
  }
  const stem = options.originalName.replace(/\.(db|sqlite3?)$/i, "");
  const name = ctx.folder.newName("uploaded", at, options.description || stem);
  await ctx.folder.moveIn(options.tempPath, name);
  const record: ManifestRecord = {
    name,
    kind: "uploaded",
    createdAt: at.toISOString(),
    size: inspected.size,
    description: options.description,
    createdBy: options.by,
    health: "verified",
    sha256: inspected.sha256,
    checkedAt: at.toISOString(),
    reason: null,
    sourceDamaged: false,
    unknownTables: inspected.check.unknownTables ?? [],
    fullCheck: inspected.sha256 ? { sha256: inspected.sha256, at: at.toISOString() } : null,
  };
  await ctx.folder.update((records) => records.set(name, record));
  ctx.log.info(
    `Backup uploaded: ${name} (${formatBytes(inspected.size)}${options.by ? `, by ${options.by}` : ""})`,
  );
  return record;
}

/**
 * `importUploadedFile` holding the operation lock, after the description's check; the temporary
 * file is gone afterwards whatever happened.
 */
export async function importUpload(ctx: EngineContext, options: UploadedFile): Promise<ManifestRecord> {
  try {
    assertValidDescription(options.description);
    return await ctx.operations.run("Upload failed", () => importUploadedFile(ctx, options));
  } finally {
    rmSync(options.tempPath, { force: true });
  }
}
