import { BackupUnusableError, NoUsableBackupError } from "./errors.ts";
import { type ManifestRecord, passedFullCheck } from "./manifest.ts";
import type { EngineContext } from "./types.ts";
import { verifyRecord } from "./verify.ts";

/** A backup to restore, and the SHA-256 of its bytes when they passed the full check. */
export interface RestoreSource {
  record: ManifestRecord;
  checkedSha256: string;
}

/**
 * `record` as a restore source: when it passed a full check as it is now (its hash then is its
 * hash now), at once — the restore hashes the copy it makes and refuses one that differs;
 * otherwise after a full check now. Null when it fails the check.
 */
async function asSource(ctx: EngineContext, record: ManifestRecord): Promise<RestoreSource | null> {
  const checked = passedFullCheck(record) ? record : await verifyRecord(ctx, record);
  if (!passedFullCheck(checked) || !checked.fullCheck) return null;
  return { record: checked, checkedSha256: checked.fullCheck.sha256 };
}

/** The named backup as a restore source; `BackupUnusableError` with the reason when it fails its check. */
export async function checkedSource(ctx: EngineContext, name: string): Promise<RestoreSource> {
  const source = await asSource(ctx, ctx.folder.find(name));
  if (source) return source;
  const now = ctx.folder.find(name);
  throw new BackupUnusableError(name, now.reason ?? "it failed its check");
}

/**
 * The newest backup that passes the full check, skipping those already known damaged and safety
 * copies of a damaged database; `NoUsableBackupError` when none passes.
 */
export async function newestUsableSource(ctx: EngineContext): Promise<RestoreSource> {
  for (const record of ctx.folder.list()) {
    if (record.health === "damaged" || record.sourceDamaged) continue;
    const source = await asSource(ctx, record);
    if (source) return source;
  }
  throw new NoUsableBackupError();
}
