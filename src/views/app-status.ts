import type { HealthRecord, Operation } from "../backup/types.ts";
import type { OffsiteStatus } from "../offsite/status.ts";
import type { SchedulerStatus } from "../scheduler/scheduler.ts";

/** Everything the status panel, the dashboard and `GET /api/status` show. */
export interface AppStatus {
  scheduler: SchedulerStatus;
  health: HealthRecord | null;
  recoveryMode: boolean;
  /** `latest` is the newest healthy backup: a damaged copy is never the one to count on. */
  backups: { count: number; totalBytes: number; latest: { name: string; createdAt: string } | null };
  folder: string;
  freeBytes: number | null;
  lastError: { message: string; at: string } | null;
  operation: Operation | null;
  /** Off-site copies; null when none are set up. */
  offsite: OffsiteStatus | null;
}

/** What became of a person's last action on the backup page, shown until their next one. */
export interface Message {
  kind: "ok" | "error";
  text: string;
}
