import { BackupUnusableError, NoUsableBackupError } from "./errors.ts";
import type { ManifestRecord } from "./manifest.ts";
import type { EngineContext } from "./types.ts";
import { verifyRecord } from "./verify.ts";

/** The named backup after its full check; `BackupUnusableError` with the reason when it fails. */
export async function checkedSource(ctx: EngineContext, name: string): Promise<ManifestRecord> {
  const checked = await verifyRecord(ctx, ctx.folder.find(name));
  if (checked.health !== "verified")
    throw new BackupUnusableError(name, checked.reason ?? "it failed its check");
  return checked;
}

/**
 * The newest backup that passes the full check, skipping those already known damaged and safety
 * copies of a damaged database; `NoUsableBackupError` when none passes.
 */
export async function newestUsableSource(ctx: EngineContext): Promise<ManifestRecord> {
  for (const record of ctx.folder.list()) {
    if (record.health === "damaged" || record.sourceDamaged) continue;
    const checked = await verifyRecord(ctx, record);
    if (checked.health === "verified") return checked;
  }
  throw new NoUsableBackupError();
}
