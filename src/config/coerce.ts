import type { SettingKey } from "./schema.ts";

const NUMBER = /^-?\d+(\.\d+)?$/;
const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

/** Turns a text from a flag or the environment into the type the schema expects, where it can. */
export function coerce(key: SettingKey, raw: string | boolean): unknown {
  if (typeof raw === "boolean") return raw;
  const text = raw.trim();
  switch (key) {
    case "startup_backup":
    case "continuous_protection":
    case "open_browser":
    case "alert_email_weekly_summary":
      if (TRUE.has(text.toLowerCase())) return true;
      if (FALSE.has(text.toLowerCase())) return false;
      return text;
    case "allowed_hosts":
    case "offsite_kinds":
    case "alert_email_to":
      return text === "" ? [] : text.split(",").map((h) => h.trim());
    case "host":
    case "schedule":
    case "alert_webhook_url":
    case "offsite_s3_prefix":
      return text;
    case "offsite_s3_region":
      // Left empty: the default region.
      return text === "" ? undefined : text;
    case "offsite_mirror_dir":
    case "offsite_s3_endpoint":
    case "offsite_s3_bucket":
    case "offsite_s3_access_key_id":
    case "smtp_host":
    case "smtp_user":
    case "smtp_tls_ca_file":
    case "alert_email_from":
      return text === "" ? null : text;
    case "smtp_security":
      return text.toLowerCase();
    case "smtp_port":
      if (text === "") return null;
      return NUMBER.test(text) ? Number(text) : text;
    // A secret is taken exactly as given: spaces may belong to it.
    case "offsite_s3_secret_access_key":
    case "offsite_passphrase":
    case "smtp_password":
      return raw === "" ? null : raw;
    case "max_manual_backups":
      return text === "unlimited" ? text : NUMBER.test(text) ? Number(text) : text;
    case "offsite_max_backups":
    case "offsite_max_manual_backups":
    case "offsite_max_pre_restore_backups":
    case "offsite_max_pre_update_backups":
    case "offsite_max_startup_backups":
    case "offsite_keep_daily":
    case "offsite_keep_weekly":
    case "offsite_keep_monthly":
    case "offsite_keep_yearly":
      if (text === "") return null;
      return text === "unlimited" ? text : NUMBER.test(text) ? Number(text) : text;
    default:
      return NUMBER.test(text) ? Number(text) : text;
  }
}
