import type { ContinuousView } from "../app/continuous.ts";
import type { AppStatus } from "../app/status.ts";
import type { BackupEngine, ManifestRecord } from "../backup/index.ts";
import type { OffsiteDrills } from "../offsite/drills/drill.ts";
import type { OffsiteService } from "../offsite/service.ts";
import type { DrillSchedule } from "../scheduler/drills.ts";
import type { BackupScheduler } from "../scheduler/scheduler.ts";
import type { AlertsPort, RecoveryPort } from "./deps.ts";

/** The services the status is gathered from. */
export interface StatusDeps {
  engine: BackupEngine;
  scheduler: BackupScheduler;
  drills: DrillSchedule;
  offsiteDrills: Pick<OffsiteDrills, "status">;
  alerts: AlertsPort;
  recovery: Pick<RecoveryPort, "active">;
  offsite: Pick<OffsiteService, "status">;
  continuous?: { status(): ContinuousView };
}

/** What the status panel, the dashboard and `GET /api/status` show, gathered now (the alerts looked at again). */
export function collectStatus(
  deps: StatusDeps,
  /** The listing when the caller has it already (one scan of the folder per request). */
  listing?: ManifestRecord[],
): AppStatus {
  const { engine } = deps;
  const records = listing ?? engine.list();
  const latest = engine.newestGood(records);
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
    background: engine.checks.running(),
    drill: { ...deps.drills.status(), last: engine.drills.last(), places: deps.offsiteDrills.status() },
    alerts: deps.alerts.refresh(records),
    // Made by that look, from the listing and free space it had: nothing more is read for it.
    forecast: deps.alerts.forecast(),
    offsite: deps.offsite.status(),
    continuous: deps.continuous?.status() ?? null,
  };
}
