import { resolve, sep } from "node:path";
import { Cron } from "croner";
import { z } from "zod";
import { EMAIL_ALLOWED, EMAIL_DESCRIPTIONS, EMAIL_FIELDS } from "./email-settings.ts";
import { hostSchema } from "./host-schema.ts";
import {
  OFFSITE_ALLOWED,
  OFFSITE_DESCRIPTIONS,
  OFFSITE_FIELDS,
  SECRET_SETTINGS,
} from "./offsite-settings.ts";

export { KIND_NAMES, SECRET_SETTINGS } from "./offsite-settings.ts";

/**
 * Every setting of the app, in the form the config file uses (snake_case keys), with its
 * default. One schema validates all sources: the config file, the environment and the flags.
 */

function isValidCron(text: string): boolean {
  try {
    new Cron(text, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

/** An http or https address, as a webhook receiver has it. */
function isWebAddress(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

export const settingsSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).default(5000),
  host: hostSchema.default("127.0.0.1"),
  interval_hours: z.number().min(0.01).max(8760).default(6),
  schedule: z.string().trim().min(1).refine(isValidCron).nullable().default(null),
  max_backups: z.number().int().min(1).max(100000).default(10),
  max_manual_backups: z
    .union([z.literal("unlimited"), z.number().int().min(1).max(100000)])
    .default("unlimited"),
  max_pre_restore_backups: z.number().int().min(1).max(100000).default(5),
  max_pre_update_backups: z.number().int().min(1).max(100000).default(3),
  max_startup_backups: z.number().int().min(1).max(100000).default(3),
  keep_daily: z.number().int().min(0).max(100000).default(7),
  keep_weekly: z.number().int().min(0).max(100000).default(4),
  keep_monthly: z.number().int().min(0).max(100000).default(12),
  keep_yearly: z.number().int().min(0).max(100000).default(3),
  manual_backups_per_hour: z.number().int().min(1).max(100000).default(12),
  startup_backup: z.boolean().default(true),
  max_upload_mb: z.number().int().min(1).max(1048576).default(4096),
  allowed_hosts: z.array(hostSchema).default([]),
  audit_retention_days: z.number().int().min(1).max(36500).default(365),
  audit_max_entries: z.number().int().min(1000).max(10_000_000).default(100_000),
  busy_file_wait_seconds: z.number().min(0).max(600).default(20),
  open_browser: z.union([z.literal("auto"), z.boolean()]).default("auto"),
  drill_interval_days: z.number().int().min(0).max(365).default(7),
  alert_webhook_url: z.string().trim().refine(isWebAddress).nullable().default(null),
  continuous_protection: z.boolean().default(true),
  continuous_keep_days: z.number().int().min(1).max(3650).default(7),
  ...OFFSITE_FIELDS,
  ...EMAIL_FIELDS,
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingKey = keyof Settings;
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as SettingKey[];

/** What each setting accepts, in words; every message about a wrong value ends with it. */
export const SETTING_ALLOWED: Record<SettingKey, string> = {
  port: "a whole number from 1 to 65535",
  host: "an IP address or host name to listen on, such as 127.0.0.1 or 0.0.0.0",
  interval_hours: "a number of hours from 0.01 to 8760",
  schedule: 'a cron expression: 5 fields, or 6 with seconds first, such as "0 30 */6 * * *"',
  max_backups: "a whole number from 1 to 100000",
  max_manual_backups: 'a whole number from 1 to 100000, or "unlimited"',
  max_pre_restore_backups: "a whole number from 1 to 100000",
  max_pre_update_backups: "a whole number from 1 to 100000",
  max_startup_backups: "a whole number from 1 to 100000",
  keep_daily: "a whole number of days from 0 (none) to 100000",
  keep_weekly: "a whole number of weeks from 0 (none) to 100000",
  keep_monthly: "a whole number of months from 0 (none) to 100000",
  keep_yearly: "a whole number of years from 0 (none) to 100000",
  manual_backups_per_hour: "a whole number from 1 to 100000",
  startup_backup: "true or false",
  max_upload_mb: "a whole number of megabytes from 1 to 1048576",
  allowed_hosts: "a list of host names, such as shop-pc.local (comma-separated in flags and environment)",
  audit_retention_days: "a whole number of days from 1 to 36500",
  audit_max_entries: "a whole number from 1000 to 10000000",
  busy_file_wait_seconds: "a number of seconds from 0 to 600",
  open_browser: '"auto" (on Windows, when started by a double-click), true or false',
  drill_interval_days: "a whole number of days from 0 (no scheduled restore drills) to 365",
  alert_webhook_url:
    "an http:// or https:// address that receives a JSON POST when an alert starts or clears",
  continuous_protection: "true or false",
  continuous_keep_days: "a whole number of days from 1 to 3650",
  ...OFFSITE_ALLOWED,
  ...EMAIL_ALLOWED,
};

export const SETTING_DESCRIPTIONS: Record<SettingKey, string> = {
  port: "port of the web interface",
  host: "address to listen on (0.0.0.0 opens it to the local network)",
  interval_hours: "hours between automatic backups",
  schedule: "cron expression for automatic backups (replaces interval_hours)",
  max_backups: "automatic backups to keep",
  max_manual_backups: "manual backups to keep",
  max_pre_restore_backups: "pre-restore safety backups to keep",
  max_pre_update_backups: "backups taken before a database update to keep",
  max_startup_backups:
    "backups taken at start to keep, startup_backup.db (the newest) included; those of another database are never removed",
  keep_daily: "besides those, the newest automatic backup of each of the last N days is kept (default 7)",
  keep_weekly: "… and of each of the last N weeks, Monday to Sunday (default 4)",
  keep_monthly: "… and of each of the last N months (default 12)",
  keep_yearly: "… and of each of the last N years (default 3)",
  manual_backups_per_hour: "manual backups one user may start from the web interface in an hour",
  startup_backup: "take a backup at every start",
  max_upload_mb: "largest backup file accepted by upload, in MB",
  allowed_hosts: "extra host names the web interface answers to",
  audit_retention_days: "days an audit trail entry is kept",
  audit_max_entries: "audit trail entries kept at most (the oldest go first)",
  busy_file_wait_seconds: "how long to wait for another program to close a file the app must replace",
  open_browser: "open the web interface in the default browser at start",
  drill_interval_days: "days between restore drills (0: none on a schedule)",
  alert_webhook_url: "address that receives a JSON POST when an alert starts or clears",
  continuous_protection: "capture every committed change as it happens, for restores to any moment",
  continuous_keep_days: "days of continuous protection's history kept (restores go back this far)",
  ...OFFSITE_DESCRIPTIONS,
  ...EMAIL_DESCRIPTIONS,
};

/** `max_backups` → `BUSINESS_APP_MAX_BACKUPS`. */
export function envName(key: string): string {
  return `BUSINESS_APP_${key.toUpperCase()}`;
}

/** True when `folder` is one of `ownFolders` or inside one (as written; compared case-blind on Windows). */
export function isInOwnFolders(
  folder: string,
  ownFolders: string[],
  platform: string = process.platform,
): boolean {
  const norm = (p: string) => (platform === "win32" ? resolve(p).toLowerCase() : resolve(p));
  const target = norm(folder);
  return ownFolders.some((dir) => {
    const own = norm(dir);
    return target === own || target.startsWith(own.endsWith(sep) ? own : own + sep);
  });
}

/**
 * Settings that only work together: a bucket needs its endpoint and both keys, and the S3 details
 * mean nothing without a bucket; the mirror folder is none of `ownFolders` (the data folder and
 * its backup folder). Returns what is wrong in words, or null.
 */
export function offsiteSettingsProblem(settings: Settings, ownFolders: string[]): string | null {
  const mirror = settings.offsite_mirror_dir;
  if (mirror !== null && isInOwnFolders(mirror, ownFolders))
    return `Setting offsite_mirror_dir is ${mirror}, a folder of BusinessApp's own data (or inside one): choose a folder on another disk.`;
  const s3 = {
    offsite_s3_endpoint: settings.offsite_s3_endpoint,
    offsite_s3_access_key_id: settings.offsite_s3_access_key_id,
    offsite_s3_secret_access_key: settings.offsite_s3_secret_access_key,
  };
  const given = Object.entries(s3).filter(([, value]) => value !== null);
  if (settings.offsite_s3_bucket === null) {
    if (given.length === 0) return null;
    return `Setting ${given[0]?.[0]} is set, but offsite_s3_bucket is not: set the bucket too, or remove the S3 settings.`;
  }
  const missing = Object.entries(s3).filter(([, value]) => value === null);
  if (missing.length === 0) return null;
  const names = missing.map(([key]) => (SECRET_SETTINGS.has(key) ? envName(key) : key));
  return `Off-site copies to S3 need ${names.join(" and ")} as well as offsite_s3_bucket.`;
}
