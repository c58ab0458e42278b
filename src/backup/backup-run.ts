import { DatabaseDamagedError } from "./errors.ts";
import { type FollowUps, tidyAndCheckLater } from "./follow-ups.ts";
import type { ManifestRecord } from "./manifest.ts";
import type { RetentionLimits } from "./retention.ts";
import { takeBackup } from "./snapshot.ts";
import type { CreateBackupRequest, EngineContext, HealthRecord } from "./types.ts";

/**
 * A backup of the live database, whole: `takeBackup` (a crash leaves no backup or a whole one),
 * the database's health as the snapshot found it (also when it found it damaged), then retention
 * — beside a serving app (`followUps`) in the background with the new backup's full check, at
 * the command line at once. Call it holding the operation lock.
 */
export async function backupLive(
  ctx: EngineContext,
  request: CreateBackupRequest,
  options: {
    retention: () => RetentionLimits;
    followUps: FollowUps | null;
    setHealth: (health: HealthRecord) => void;
  },
): Promise<ManifestRecord> {
  const { followUps } = options;
  try {
    const retention = followUps ? null : options.retention();
    const taken = await takeBackup(ctx, request, { salvage: false, retention });
    options.setHealth(taken.liveHealth);
    if (followUps && taken.record.health === "verified")
      tidyAndCheckLater(followUps, ctx, taken.record, options.retention);
    return taken.record;
  } catch (error) {
    if (error instanceof DatabaseDamagedError) options.setHealth(error.health);
    throw error;
  }
}
