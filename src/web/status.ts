import type { BackupEngine, HealthRecord, Operation } from "../backup/engine.ts";
import { type ManifestRecord, newestHealthy } from "../backup/manifest.ts";
import type { RecoveryState } from "../backup/recovery.ts";
import type { BackupScheduler, SchedulerStatus } from "../scheduler/scheduler.ts";

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
}

export function collectStatus(
  deps: { engine: BackupEngine; scheduler: BackupScheduler; recovery: RecoveryState },
  /** The listing when the caller has it already (one scan of the folder per request). */
  listing?: ManifestRecord[],
): AppStatus {
  const { engine } = deps;
  const records = listing ?? engine.list();
  const latest = newestHealthy(records);
  return {
    scheduler: deps.scheduler.status(),
    health: engine.databaseHealth,
    recoveryMode: deps.recovery.active,
    backups: {
      count: records.length,
      totalBytes: records.reduce((sum, r) => sum + r.size, 0),
      latest: latest ? { name: latest.name, createdAt: latest.createdAt } : null,
    },
    folder: engine.backupsDir,
    freeBytes: engine.freeBytes(),
    lastError: engine.lastError,
    operation: engine.progress(),
  };
}
