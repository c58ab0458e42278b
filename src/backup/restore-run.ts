import { checkAfterRestore, type FollowUps } from "./follow-ups.ts";
import { type RestoreContext, restoreDatabase } from "./restore.ts";
import type { RestoreSource } from "./restore-source.ts";
import type { RetentionLimits } from "./retention.ts";
import type { HealthRecord, RestoreResult } from "./types.ts";

/**
 * A restore of a chosen source, whole: `restoreDatabase`, then old safety backups rotated out
 * (only those: a restore is no reason to rotate others out; never the backup just restored or the
 * new safety backup) and the checks that follow (`checkAfterRestore`) — both in the background
 * beside a serving app. Call it holding the operation lock.
 */
export async function restoreChosen(
  ctx: RestoreContext,
  source: RestoreSource,
  options: {
    by: string | null;
    label: string;
    retention: RetentionLimits;
    followUps: FollowUps | null;
    setHealth: (health: HealthRecord) => void;
  },
): Promise<RestoreResult> {
  const { record, checkedSha256 } = source;
  const outcome = await restoreDatabase(ctx, record, { by: options.by, label: options.label, checkedSha256 });
  ctx.operations.lastError = null;
  const safety = outcome.result.safetyBackup;
  const protect = new Set([record.name, ...(safety ? [safety] : [])]);
  const rotate = () =>
    ctx.folder.applyRetentionQuietly(options.retention, { protect, kinds: new Set(["pre_restore"]) });
  // Removing a large old file takes a while: beside a serving app, after it answers again.
  if (options.followUps)
    options.followUps.add("Removing old safety backups", (underLock) => underLock(rotate));
  else await rotate();
  await checkAfterRestore(ctx, outcome, options.setHealth, options.followUps);
  return outcome.result;
}
