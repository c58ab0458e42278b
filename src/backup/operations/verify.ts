import { describeError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import type { Clock } from "../../lib/time.ts";
import type { BackupFolder } from "../catalog/folder.ts";
import type { ManifestRecord } from "../catalog/manifest.ts";
import type { EngineContext, HealthRecord } from "../context.ts";
import { inspectFileInProcess } from "../inspect/process-task.ts";
import { checkLiveInWorker, inspectFileInWorker } from "../inspect/worker-client.ts";

/**
 * The full check of one listed backup (SQLite's `integrity_check`, the trust rule, the SHA-256
 * recorded when it was made), run in the worker; the result is recorded in the manifest and a
 * failure logged as WARNING. Returns the updated record. Call it holding the operation lock.
 */
export async function verifyRecord(
  ctx: { folder: BackupFolder; clock: Clock; log: Log },
  record: ManifestRecord,
): Promise<ManifestRecord> {
  const updated = await inspectRecord(ctx, record);
  await recordInspection(ctx, updated, record);
  return updated;
}

/** What a backup whose bytes no longer hash as when it was made is told: "its content …", "the backup NAME …". */
export const CHANGED_SINCE_MADE = "changed after it was made (SHA-256 differs), so it may be damaged";

/**
 * The full check of a listed backup, without recording it: needs no lock (it reads the file
 * only), so it may run while other operations do; `recordInspection` then records it. With
 * `signal` (background work), in a process of its own that an abort kills.
 */
export async function inspectRecord(
  ctx: { folder: BackupFolder; clock: Clock },
  record: ManifestRecord,
  signal?: AbortSignal,
): Promise<ManifestRecord> {
  const path = ctx.folder.pathOf(record.name);
  // Background work that makes way checks in a process, which stops at once when it must.
  const result = signal ? await inspectFileInProcess(path, signal) : await inspectFileInWorker({ path });
  let reason = result.check.reason;
  if (result.check.ok && record.sha256 && result.sha256 && record.sha256 !== result.sha256) {
    reason = `its content ${CHANGED_SINCE_MADE}`;
  }
  const healthy = result.check.ok && reason === null;
  const at = ctx.clock().toISOString();
  return {
    ...record,
    health: healthy ? "verified" : "damaged",
    sha256: record.sha256 ?? result.sha256,
    databaseId: record.databaseId ?? (healthy ? result.databaseId : null),
    size: result.size,
    checkedAt: at,
    reason,
    unknownTables: healthy ? (result.check.unknownTables ?? []) : [],
    fullCheck: healthy && result.sha256 ? { sha256: result.sha256, at } : null,
    ...rowCountsOf(record, healthy ? result.rowCounts : null),
  };
}

/** The counts recorded first stay; a healthy file seen without them gets the ones just counted. */
function rowCountsOf(
  record: ManifestRecord,
  counted: Record<string, number> | null,
): Pick<ManifestRecord, "rowCounts"> {
  const rowCounts = record.rowCounts ?? counted ?? undefined;
  return rowCounts ? { rowCounts } : {};
}

/**
 * Records `inspected`, the inspection of `from`, in the manifest, unless the backup under that
 * name changed meanwhile (another size, time or recorded hash: a new file under the old name,
 * such as the next startup backup) or was judged again since `from` (a restore that found it
 * damaged, a verify): an inspection that read the file before that verdict must not replace it —
 * a file damaged in place keeps its size, so a check that read it whole would list it verified
 * again, and its off-site copy would be passed over for it. A failure is logged as WARNING. Call
 * it holding the operation lock.
 */
export async function recordInspection(
  ctx: { folder: BackupFolder; log: Log },
  inspected: ManifestRecord,
  from: ManifestRecord,
): Promise<void> {
  if (inspected.health !== "verified")
    ctx.log.warning(`Backup ${inspected.name} failed its check: ${inspected.reason}`);
  await ctx.folder.update((records) => {
    const now = records.get(inspected.name);
    const same =
      now &&
      now.size === inspected.size &&
      now.createdAt === inspected.createdAt &&
      (now.sha256 === null || now.sha256 === inspected.sha256) &&
      sameVerdict(now, from);
    if (same) records.set(inspected.name, inspected);
  });
}

/** Whether `a` and `b` say the same of a backup's check: its health, when, why, and its full check. */
function sameVerdict(a: ManifestRecord, b: ManifestRecord): boolean {
  return (
    a.health === b.health &&
    a.checkedAt === b.checkedAt &&
    a.reason === b.reason &&
    a.fullCheck?.sha256 === b.fullCheck?.sha256 &&
    a.fullCheck?.at === b.fullCheck?.at
  );
}

/** What the full check of a backup just made found (`checkAndRecord`), and what became of its record. */
export interface MadeCheck {
  inspected: ManifestRecord;
  listed: ManifestRecord | null;
  unrecorded: string | null;
}

/**
 * The full check of `record` (`inspectRecord`, without the lock: a backup or restore started
 * meanwhile is not told "busy"), then recorded under a short hold of the lock, which another
 * operation waits for rather than being refused (`recordInspection`: only while the verdict the
 * check started from stands). Returns what the check found (`inspected`) and the backup as listed
 * then (`listed`): `passedFullCheck` when it was recorded; still without it when another process
 * held the lock or judged it meanwhile, or when the list could not be written (`unrecorded` says
 * why: a disk the backup filled) — a damage found is in `inspected` whatever became of its record.
 */
export async function checkAndRecord(ctx: EngineContext, record: ManifestRecord): Promise<MadeCheck> {
  const inspected = await inspectRecord(ctx, record);
  let unrecorded: string | null = null;
  try {
    await ctx.operations.runIfFree(
      `The full check of ${record.name} could not be recorded`,
      () => recordInspection(ctx, inspected, record),
      { background: true },
    );
  } catch (error) {
    // Logged as ERROR by the run; what the check found is told all the same.
    unrecorded = describeError(error);
  }
  return { inspected, listed: ctx.folder.list().find((r) => r.name === record.name) ?? null, unrecorded };
}

/** `verifyRecord` of the named backups, or of all, one after the other. */
export async function verifyRecords(
  ctx: EngineContext,
  names?: string[],
  onCheck?: (record: ManifestRecord, index: number, count: number) => void,
): Promise<ManifestRecord[]> {
  const listing = ctx.folder.list();
  const targets = names ? names.map((n) => ctx.folder.find(n, listing)) : listing;
  const results: ManifestRecord[] = [];
  for (const [i, record] of targets.entries()) {
    onCheck?.(record, i, targets.length);
    results.push(await verifyRecord(ctx, record));
  }
  return results;
}

/** `verifyRecord` of every backup not checked yet (a file copied in by hand, a lost manifest). */
export function verifyUnchecked(ctx: EngineContext): Promise<ManifestRecord[]> {
  const names = ctx.folder
    .list()
    .filter((r) => r.health === "unchecked")
    .map((r) => r.name);
  return verifyRecords(ctx, names);
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
