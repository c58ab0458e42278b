import { SETTING_DESCRIPTIONS, type SettingKey } from "../../config/schema.ts";

/**
 * Each setting as the Settings page names it: its section, then the field's own label. Pages say
 * a setting this way; the key (`max_backups`) is for the settings file, the command line and the log.
 */
export const SETTING_LABELS: Partial<Record<SettingKey, { section: string; label: string }>> = {
  interval_hours: { section: "Automatic backups", label: "Another interval: every … hours" },
  schedule: { section: "Automatic backups", label: "Custom schedule, for experts" },
  startup_backup: { section: "Automatic backups", label: "Also make a backup every time BusinessApp starts" },
  max_backups: { section: "How many backups to keep", label: "Automatic backups" },
  max_manual_backups: {
    section: "How many backups to keep",
    label: "Backups made by hand (“unlimited” keeps them until someone deletes them)",
  },
  max_pre_restore_backups: {
    section: "How many backups to keep",
    label: "Safety backups, taken before each restore",
  },
  max_pre_update_backups: {
    section: "How many backups to keep",
    label: "Backups taken before BusinessApp updates the database to a new version",
  },
  max_startup_backups: {
    section: "How many backups to keep",
    label: "Backups taken at start (the newest is startup_backup.db)",
  },
  keep_daily: {
    section: "How many backups to keep",
    label: "Besides those: the newest automatic backup of each of the last … days",
  },
  keep_weekly: {
    section: "How many backups to keep",
    label: "… of each of the last … weeks (Monday to Sunday)",
  },
  keep_monthly: { section: "How many backups to keep", label: "… of each of the last … months" },
  keep_yearly: { section: "How many backups to keep", label: "… of each of the last … years" },
  drill_interval_days: {
    section: "Restore drills",
    label: "Days between restore drills (0: only when someone starts one)",
  },
  audit_retention_days: { section: "Audit trail", label: "Days an entry is kept" },
  audit_max_entries: { section: "Audit trail", label: "Entries kept at most (the oldest go first)" },
  offsite_mirror_dir: { section: "Off-site copies", label: "Folder on another disk (empty: none)" },
  offsite_s3_endpoint: { section: "Off-site copies", label: "Endpoint" },
  offsite_s3_bucket: { section: "Off-site copies", label: "Bucket (empty: none)" },
  offsite_s3_region: { section: "Off-site copies", label: "Region" },
  offsite_s3_prefix: { section: "Off-site copies", label: "Folder in the bucket" },
  offsite_s3_access_key_id: { section: "Off-site copies", label: "Access key id" },
  offsite_s3_secret_access_key: { section: "Off-site copies", label: "Secret access key" },
  offsite_passphrase: { section: "Off-site copies", label: "Passphrase" },
  offsite_kinds: { section: "Off-site copies", label: "Copied off-site" },
  offsite_max_backups: { section: "Off-site copies", label: "Automatic backups" },
  offsite_max_manual_backups: { section: "Off-site copies", label: "Backups made by hand" },
  offsite_max_pre_restore_backups: { section: "Off-site copies", label: "Safety backups" },
  offsite_max_pre_update_backups: { section: "Off-site copies", label: "Backups before an update" },
  offsite_max_startup_backups: { section: "Off-site copies", label: "Backups at start" },
  offsite_keep_daily: {
    section: "Off-site copies",
    label: "Newest automatic backup of each of the last … days",
  },
  offsite_keep_weekly: { section: "Off-site copies", label: "… of each of the last … weeks" },
  offsite_keep_monthly: { section: "Off-site copies", label: "… of each of the last … months" },
  offsite_keep_yearly: { section: "Off-site copies", label: "… of each of the last … years" },
  offsite_passphrase_check_days: {
    section: "Off-site copies",
    label: "Ask an administrator to type the passphrase every … days (0: never)",
  },
  smtp_host: { section: "E-mail alerts", label: "Outgoing mail server (empty: no e-mail alerts)" },
  smtp_port: { section: "E-mail alerts", label: "Port (empty: the usual one for the security chosen)" },
  smtp_user: { section: "E-mail alerts", label: "User name (usually your e-mail address)" },
  smtp_tls_ca_file: {
    section: "E-mail alerts",
    label: "Certificate file to trust (only for a mail server with a certificate of its own)",
  },
  alert_email_from: { section: "E-mail alerts", label: "Sender (empty: the user name)" },
  alert_email_to: { section: "E-mail alerts", label: "Send alerts to (addresses, separated by commas)" },
  alert_email_weekly_summary: {
    section: "E-mail alerts",
    label: "Also send a short summary every Monday morning (if it stops coming, BusinessApp is not running)",
  },
  smtp_security: { section: "E-mail alerts", label: "Security" },
  smtp_password: { section: "E-mail alerts", label: "Password" },
};

/** The label of `key` on the Settings page (without its section). */
export function labelOf(key: SettingKey): string {
  return SETTING_LABELS[key]?.label ?? key;
}

/** A value the settings refused, said on a page: the setting by its label and section, what is allowed. */
export function refusedSettingWords(issue: { key: SettingKey; value: string; allowed: string }): string {
  const named = SETTING_LABELS[issue.key];
  const where = named
    ? `“${named.label}” under ${named.section}`
    : `The setting for the ${SETTING_DESCRIPTIONS[issue.key]}, in the settings file,`;
  return `${where}: ${issue.value} cannot be used. Enter ${issue.allowed}.`;
}
