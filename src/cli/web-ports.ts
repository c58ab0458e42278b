import { auditRetentionOf, pruneAuditTrail } from "../auth/audit.ts";
import type { Auth } from "../auth/auth.ts";
import type { BackupEngine } from "../backup/engine.ts";
import type { RecoveryState } from "../backup/recovery.ts";
import { retentionOf } from "../backup/retention.ts";
import type { SettingsStore } from "../config/settings-store.ts";
import type { Log } from "../lib/log.ts";
import { type BackupScheduler, cadenceOf } from "../scheduler/scheduler.ts";
import type { RecoveryPort, SettingsPort } from "../web/deps.ts";

/** Recovery mode as the web layer uses it: the state, and the restore that ends it. */
export function createRecoveryPort(deps: {
  state: RecoveryState;
  engine: BackupEngine;
  scheduler: BackupScheduler;
  log: Log;
}): RecoveryPort {
  const { state } = deps;
  return {
    get active() {
      return state.active;
    },
    get reason() {
      return state.reason;
    },
    accepts: (token) => state.accepts(token),
    async restore(name, by) {
      const result = name
        ? await deps.engine.restore(name, { by })
        : await deps.engine.emergencyRestore({ by });
      state.leave();
      deps.scheduler.start();
      deps.log.info("Recovery mode ended: the database was restored and the app works normally again");
      return result;
    },
  };
}

/** The running app's settings, and applying a change to the scheduler, the retention and the audit trail. */
export function createSettingsPort(deps: {
  store: SettingsStore;
  engine: BackupEngine;
  scheduler: BackupScheduler;
  auth: Auth;
  log: Log;
}): SettingsPort {
  const { store } = deps;
  return {
    get current() {
      return store.current;
    },
    isFixed: (key) => store.isFixed(key),
    apply(change, by) {
      const next = store.save(change);
      deps.scheduler.reschedule(cadenceOf(next.settings));
      deps.engine.setRetention(retentionOf(next.settings));
      deps.log.info(`Settings changed by ${by}`);
      pruneAuditTrail(deps.auth.audit, auditRetentionOf(next.settings), deps.log);
      return next;
    },
  };
}
