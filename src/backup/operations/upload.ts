import { rmSync } from "node:fs";
import { tempNameFor, tempPathFor } from "../../lib/files/temp-name.ts";
import { formatBytes } from "../../lib/format.ts";
import { assertValidDescription } from "../catalog/description.ts";
import type { BackupFolder } from "../catalog/folder.ts";
import type { ManifestRecord } from "../catalog/manifest.ts";
import type { EngineContext } from "../context.ts";
import { BackupUnusableError, rebuildFailure } from "../errors.ts";
import { setRollbackJournalMode } from "../inspect/journal-header.ts";
import { inspectFileInWorker, rebuildInWorker } from "../inspect/worker-client.ts";

/** A hidden temporary name in the backup folder for an upload on its way in (a leftover is removed at start). */
export function uploadTempPath(folder: BackupFolder): string {
  folder.ensureWritable();
  return folder.pathOf(tempNameFor("upload", "arriving", crypto.randomUUID()));
}

export interface UploadedFile {
  /** The complete upload, in the backup folder under a hidden temporary name. */
  tempPath: string;
  description: string;
  /** The file name on the person's computer: the name's slug when there is no description. */
  originalName: string;
  by: string | null;
}

/** Where an upload's rebuilt file is written, beside it (a leftover is removed at start). */
const rebuiltPathOf = (tempPath: string) => tempPathFor(tempPath, "rebuilt");

/**
 * Takes an uploaded file into the list as `uploaded_YYYYMMDD_HHMMSS[_slug].db` after the full
 * check a restore would make (SQLite integrity, this app's schema, not from a newer version), a
 * WAL-mode header rewritten to rollback-journal mode first. What is kept is not the file as
 * sent but its rebuild (`rebuildDatabase`: this app's schema from its own migrations, the rows
 * copied in), fully checked again, flushed, renamed, the folder flushed, recorded in the manifest.
 * Throws `BackupUnusableError` when a check or the rebuild fails. The caller removes the
 * temporary files if they are still there.
 */
export async function importUploadedFile(ctx: EngineContext, options: UploadedFile): Promise<ManifestRecord> {
  const at = ctx.clock();
  const shown = options.originalName;
  setRollbackJournalMode(options.tempPath);
  const sent = await inspectFileInWorker({ path: options.tempPath });
  if (!sent.check.ok)
    throw new BackupUnusableError(shown, sent.check.reason ?? "it failed its check", "upload");
  const rebuilt = rebuiltPathOf(options.tempPath);
  await rebuildInWorker({ source: options.tempPath, target: rebuilt }).catch((error) => {
    throw rebuildFailure(shown, error, "upload");
  });
  const inspected = await inspectFileInWorker({ path: rebuilt });
  if (!inspected.check.ok)
    throw new BackupUnusableError(
      shown,
      `its rebuilt copy failed its check (${inspected.check.reason})`,
      "upload",
    );
  const stem = options.originalName.replace(/\.(db|sqlite3?)$/i, "");
  const name = ctx.folder.newName("uploaded", at, options.description || stem);
  await ctx.folder.moveIn(rebuilt, name);
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
    origin: "rebuilt",
    databaseId: inspected.databaseId,
    // When its data was taken nobody knows: an upload is never "the newest", only restored by name.
    dataAt: null,
    unknownTables: inspected.check.unknownTables ?? [],
    fullCheck: inspected.sha256 ? { sha256: inspected.sha256, at: at.toISOString() } : null,
    ...(inspected.rowCounts ? { rowCounts: inspected.rowCounts } : {}),
  };
  await ctx.folder.update((records) => records.set(name, record));
  ctx.log.info(
    `Backup uploaded: ${name} (${formatBytes(inspected.size)}${options.by ? `, by ${options.by}` : ""}; rebuilt with BusinessApp's own schema)`,
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
    rmSync(rebuiltPathOf(options.tempPath), { force: true });
  }
}
