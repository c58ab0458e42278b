import type { BackgroundPiece, DiskForecast, DrillResult, HealthRecord, Operation } from "../backup/index.ts";
import type { PlaceDrillStatus } from "../offsite/drills/drill.ts";
import type { OffsiteStatus } from "../offsite/status.ts";
import type { DrillScheduleStatus } from "../scheduler/drills.ts";
import type { SchedulerStatus } from "../scheduler/scheduler.ts";
import type { ContinuousView } from "./continuous.ts";

/**
 * What needs someone's attention: each one says what is wrong and what to do, and clears itself
 * when the cause is gone. The id is also the reason `GET /api/health` gives (safe for anyone to see).
 */
export const ALERT_IDS = [
  "automatic_backup_failed",
  "manual_backup_failed",
  "backup_folder_unwritable",
  "clock_behind",
  "backup_stale",
  "drill_failed",
  "drill_overdue",
  "offsite_drill_failed",
  "offsite_drill_overdue",
  "low_disk_space",
  "disk_full_soon",
  "offsite_failing",
  "offsite_passphrase_missing",
  "continuous_lagging",
  "passphrase_unconfirmed",
] as const;
export type AlertId = (typeof ALERT_IDS)[number];

export interface Alert {
  id: AlertId;
  /** Since when (ISO 8601). */
  since: string;
  /** What is wrong, as a sentence. */
  message: string;
  /** What to do about it, as a sentence. */
  action: string;
}

/** Restore drills: how often, the next one, and the last result; and each off-site place's last drill. */
export interface DrillStatus extends DrillScheduleStatus {
  last: DrillResult | null;
  /** One per off-site place set up (the mirror folder first); empty when none is. */
  places: PlaceDrillStatus[];
}

/** Everything the status panel, the dashboard and `GET /api/status` show. */
export interface AppStatus {
  scheduler: SchedulerStatus;
  health: HealthRecord | null;
  recoveryMode: boolean;
  /** `latest` is the newest healthy backup: a damaged copy is never the one to count on. */
  backups: { count: number; totalBytes: number; latest: { name: string; createdAt: string } | null };
  folder: string;
  freeBytes: number | null;
  /** When the disk that holds the backups is full at the rate things go; null while its free space cannot be told. */
  forecast: DiskForecast | null;
  lastError: { message: string; at: string } | null;
  operation: Operation | null;
  /** The work running in the background (checks, tidying), which makes way for any operation someone starts. */
  background: BackgroundPiece[];
  drill: DrillStatus;
  alerts: Alert[];
  /** Off-site copies; null when none are set up. */
  offsite: OffsiteStatus | null;
  /** Continuous protection: the restorable window; null where it never ran (the command line with no history). */
  continuous: ContinuousView | null;
}
