import type { BackupEngine } from "../backup/engine.ts";
import { type ManifestRecord, newestHealthy } from "../backup/manifest.ts";
import type { BackupScheduler } from "../scheduler/scheduler.ts";
import type { AppStatus } from "../views/app-status.ts";
import type { RecoveryPort } from "./deps.ts";

/** What the status panel, the dashboard and `GET /api/status` show, gathered now. */
export function collectStatus(
  deps: { engine: BackupEngine; scheduler: BackupScheduler; recovery: Pick<RecoveryPort, "active"> },
  /** The listing when the caller has it already (one scan of the folder per request). */
  listing?: ManifestRecord[],
): AppStatus {
  const { engine } = deps;
  const records = listing ?? engine.list();
  const latest = newestHealthy(records);
  return {
    scheduler: deps.scheduler.status(),
    health: engine.health.current,
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
