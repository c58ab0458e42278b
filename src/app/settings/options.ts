import { basename } from "node:path";
import type { AuditRetention } from "../../auth/audit.ts";
import type { BackupKind, KeptAutomatic, RetentionLimits } from "../../backup/index.ts";
import { DEFAULT_SMTP_PORT, emailSender } from "../../config/email-settings.ts";
import type { Settings } from "../../config/schema.ts";
import type { SharingWait } from "../../lib/files/sharing.ts";
import type { Log } from "../../lib/log.ts";
import type { OffsiteOptions } from "../../offsite/places/targets.ts";
import type { Cadence } from "../../scheduler/cadence.ts";
import { type EmailOptions, MAIL_TIMEOUT_MS } from "../alerts/alert-email.ts";
import { consoleUrl } from "../console-url.ts";

/**
 * The settings as the services take them: the engine, the scheduler and the audit trail know
 * their own options, never the shape of the settings file.
 */

export function retentionLimits(settings: Settings): RetentionLimits {
  return {
    automatic: settings.max_backups,
    calendar: {
      daily: settings.keep_daily,
      weekly: settings.keep_weekly,
      monthly: settings.keep_monthly,
      yearly: settings.keep_yearly,
    },
    manual: settings.max_manual_backups === "unlimited" ? null : settings.max_manual_backups,
    pre_restore: settings.max_pre_restore_backups,
    pre_update: settings.max_pre_update_backups,
    startup: settings.max_startup_backups,
  };
}

/** What retention keeps of the automatic backups: what the disk-full forecast counts. */
export function keptAutomaticBackups(settings: Settings): KeptAutomatic {
  const { automatic, calendar } = retentionLimits(settings);
  return { last: automatic, ...calendar };
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

/**
 * Off-site copies: the mirror folder, the bucket (its prefix as a folder, ending in "/"), the
 * passphrase, the kinds copied, and retention there: per kind as set, otherwise as locally.
 */
export function offsiteOptions(settings: Settings): OffsiteOptions {
  const prefix = settings.offsite_s3_prefix;
  const bucket = settings.offsite_s3_bucket;
  const endpoint = settings.offsite_s3_endpoint;
  const accessKeyId = settings.offsite_s3_access_key_id;
  const secretAccessKey = settings.offsite_s3_secret_access_key;
  return {
    mirrorDir: settings.offsite_mirror_dir,
    s3:
      bucket && endpoint && accessKeyId && secretAccessKey
        ? {
            endpoint,
            region: settings.offsite_s3_region,
            bucket,
            accessKeyId,
            secretAccessKey,
            prefix: prefix && !prefix.endsWith("/") ? `${prefix}/` : prefix,
          }
        : null,
    passphrase: settings.offsite_passphrase,
    timeouts: {
      answerMs: settings.offsite_timeout_seconds * 1000,
      idleMs: settings.offsite_timeout_seconds * 1000,
    },
    runDeadlineMs: settings.offsite_run_minutes * 60_000,
    policy: {
      kinds: new Set<BackupKind>(settings.offsite_kinds),
      retention: retentionLimits({
        ...settings,
        max_backups: settings.offsite_max_backups ?? settings.max_backups,
        max_manual_backups: settings.offsite_max_manual_backups ?? settings.max_manual_backups,
        max_pre_restore_backups: settings.offsite_max_pre_restore_backups ?? settings.max_pre_restore_backups,
        max_pre_update_backups: settings.offsite_max_pre_update_backups ?? settings.max_pre_update_backups,
        max_startup_backups: settings.offsite_max_startup_backups ?? settings.max_startup_backups,
        keep_daily: settings.offsite_keep_daily ?? settings.keep_daily,
        keep_weekly: settings.offsite_keep_weekly ?? settings.keep_weekly,
        keep_monthly: settings.offsite_keep_monthly ?? settings.keep_monthly,
        keep_yearly: settings.offsite_keep_yearly ?? settings.keep_yearly,
      }),
    },
  };
}

/** E-mail alerts: the mail account (the port by security when not set), sender, recipients; null while not set up. */
export function emailOptions(settings: Settings): EmailOptions | null {
  const from = emailSender(settings);
  if (!settings.smtp_host || settings.alert_email_to.length === 0 || !from) return null;
  return {
    server: {
      host: settings.smtp_host,
      port: settings.smtp_port ?? DEFAULT_SMTP_PORT[settings.smtp_security],
      security: settings.smtp_security,
      user: settings.smtp_user,
      password: settings.smtp_password,
      caFile: settings.smtp_tls_ca_file,
      timeoutMs: MAIL_TIMEOUT_MS,
    },
    from,
    to: settings.alert_email_to,
    appUrl: consoleUrl(settings.host, settings.port),
  };
}
