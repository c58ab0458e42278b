import { basename } from "node:path";
import type { AuditRetention } from "../auth/audit.ts";
import type { RetentionLimits } from "../backup/retention.ts";
import type { Settings } from "../config/schema.ts";
import type { Log } from "../lib/log.ts";
import type { SharingWait } from "../lib/sharing.ts";
import type { Cadence } from "../scheduler/cadence.ts";

/**
 * The settings as the services take them: the engine, the scheduler and the audit trail know
 * their own options, never the shape of the settings file.
 */

export function retentionLimits(settings: Settings): RetentionLimits {
  return {
    automatic: settings.max_backups,
    manual: settings.max_manual_backups === "unlimited" ? null : settings.max_manual_backups,
    pre_restore: settings.max_pre_restore_backups,
    pre_update: settings.max_pre_update_backups,
  };
}

export function backupCadence(settings: Settings): Cadence {
  return settings.schedule ? { cron: settings.schedule } : { hours: settings.interval_hours };
}

/**
 * How long a rename or delete waits for another program that holds the file (a database viewer,
 * an antivirus scanner, a sync tool), and the WARNING that says so while it waits.
 */
export function fileWait(settings: Settings, log: Log): SharingWait {
  const seconds = settings.busy_file_wait_seconds;
  return {
    timeoutMs: seconds * 1000,
    onWait: (path) =>
      log.warning(
        `Another program has ${basename(path)} open; waiting up to ${seconds} s for it to close it (${path})`,
      ),
  };
}

export function auditRetention(settings: Settings): AuditRetention {
  return { days: settings.audit_retention_days, maxEntries: settings.audit_max_entries };
}
