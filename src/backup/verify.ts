import type { Log } from "../lib/log.ts";
import type { Clock } from "../lib/time.ts";
import type { BackupFolder } from "./folder.ts";
import type { ManifestRecord } from "./manifest.ts";
import type { EngineContext, HealthRecord } from "./types.ts";
import { checkLiveInWorker, inspectFileInWorker } from "./worker-client.ts";

/**
 * The full check of one listed backup (SQLite's `integrity_check`, the trust rule, the SHA-256
 * recorded when it was made), run in the worker; the result is recorded in the manifest and a
 * failure logged as WARNING. Returns the updated record. Call it holding the operation lock.
 */
export async function verifyRecord(
  ctx: { folder: BackupFolder; clock: Clock; log: Log },
  record: ManifestRecord,
): Promise<ManifestRecord> {
  const result = await inspectFileInWorker({ path: ctx.folder.pathOf(record.name) });
  let reason = result.check.reason;
  if (result.check.ok && record.sha256 && result.sha256 && record.sha256 !== result.sha256) {
    reason = "its content changed after it was made (SHA-256 differs), so it may be damaged";
  }
  const healthy = result.check.ok && reason === null;
  const updated: ManifestRecord = {
    ...record,
    health: healthy ? "verified" : "damaged",
    sha256: record.sha256 ?? result.sha256,
    size: result.size,
    checkedAt: ctx.clock().toISOString(),
    reason,
    unknownTables: healthy ? (result.check.unknownTables ?? []) : [],
  };
  if (!healthy) ctx.log.warning(`Backup ${record.name} failed its check: ${reason}`);
  await ctx.folder.update((records) => records.set(record.name, updated));
  return updated;
}

/** `verifyRecord` of the named backups, or of all, one after the other. */
export async function verifyRecords(ctx: EngineContext, names?: string[]): Promise<ManifestRecord[]> {
  const targets = names ? names.map((n) => ctx.folder.find(n)) : ctx.folder.list();
  const results: ManifestRecord[] = [];
  for (const record of targets) results.push(await verifyRecord(ctx, record));
  return results;
}

/**
 * Checks the live database in the worker: `quick_check`, or the complete `integrity_check` when
 * `full`. Damage is logged as ERROR. Call it holding the operation lock.
 */
export async function checkLive(ctx: EngineContext, full: boolean): Promise<HealthRecord> {
  const result = await checkLiveInWorker({ path: ctx.database, full });
  if (!result.ok) ctx.log.error(`Database check failed: ${result.reason}`);
  return { ...result, checkedAt: ctx.clock().toISOString(), full };
}
