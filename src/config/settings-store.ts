import { chmodSync, readdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../lib/files/fs-sync.ts";
import type { SharingWait } from "../lib/files/sharing.ts";
import { leftoverOf } from "../lib/files/temp-name.ts";
import type { Log } from "../lib/log.ts";
import { coerce } from "./coerce.ts";
import { type LoadedConfig, type LoadInput, loadConfig, readConfigFile } from "./load.ts";
import { SECRET_SETTINGS, type SettingKey } from "./schema.ts";

/** The settings the Settings page may change while the app runs. */
export const EDITABLE_KEYS = [
  "interval_hours",
  "schedule",
  "max_backups",
  "max_manual_backups",
  "max_pre_restore_backups",
  "max_pre_update_backups",
  "max_startup_backups",
  "keep_daily",
  "keep_weekly",
  "keep_monthly",
  "keep_yearly",
  "startup_backup",
  "continuous_protection",
  "drill_interval_days",
  "audit_retention_days",
  "audit_max_entries",
  "offsite_mirror_dir",
  "offsite_s3_endpoint",
  "offsite_s3_bucket",
  "offsite_s3_region",
  "offsite_s3_prefix",
  "offsite_s3_access_key_id",
  "offsite_kinds",
  "offsite_max_backups",
  "offsite_max_manual_backups",
  "offsite_max_pre_restore_backups",
  "offsite_max_pre_update_backups",
  "offsite_max_startup_backups",
  "offsite_keep_daily",
  "offsite_keep_weekly",
  "offsite_keep_monthly",
  "offsite_keep_yearly",
  "offsite_passphrase_check_days",
  "smtp_host",
  "smtp_port",
  "smtp_security",
  "smtp_user",
  "smtp_password",
  "smtp_tls_ca_file",
  "alert_email_from",
  "alert_email_to",
  "alert_email_weekly_summary",
] as const satisfies readonly SettingKey[];

/** The secrets a page may set (written only, never shown again). */
export type SecretKey = "offsite_passphrase" | "offsite_s3_secret_access_key";

export type EditableKey = (typeof EDITABLE_KEYS)[number];

export interface SettingsChange {
  /** Automatic backups every N hours, or on a cron schedule; absent: as they are. */
  mode?: "interval" | "schedule";
  values: Partial<Record<EditableKey, string | boolean>>;
  /** Secrets set with the same save (a bucket and its secret key must arrive together); never read back by a page. */
  secrets?: Partial<Record<SecretKey, string>>;
}

/**
 * Removes what an interrupted save of the settings file `configFile` left beside it
 * (`writeFileAtomic`'s temporary file, by its one name pattern), each logged; at start, before
 * anything saves the settings.
 */
export function removeSaveLeftovers(configFile: string, log: Log): void {
  const dir = dirname(configFile);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // No folder yet: nothing left over.
  }
  for (const name of names.filter(
    (n) => leftoverOf(n, (inner) => inner.startsWith(`${basename(configFile)}.`)) !== null,
  )) {
    rmSync(join(dir, name), { force: true });
    log.info(`Removed leftover of an interrupted operation: ${join(dir, name)}`);
  }
}

/**
 * Makes the settings file readable by its owner only when it holds a secret (a mail password, an
 * S3 key, the passphrase) and others may read it: a file written by hand, or copied in. Saves by
 * the app already write it so (`writeFileAtomic`). Logged; on Windows, where the mode says
 * nothing of who may read, nothing is done.
 */
export function protectSecrets(configFile: string, log: Log, platform: string = process.platform): void {
  if (platform === "win32") return;
  let mode: number;
  let secrets: string[];
  try {
    mode = statSync(configFile).mode & 0o777;
    secrets = Object.entries(readConfigFile(configFile, false))
      .filter(([key, value]) => SECRET_SETTINGS.has(key) && value !== null)
      .map(([key]) => key);
  } catch {
    return; // No file, or one the start already refused.
  }
  if (secrets.length === 0 || (mode & 0o077) === 0) return;
  try {
    chmodSync(configFile, 0o600);
    log.info(`The settings file holds a password or key, so only its owner may read it now: ${configFile}`);
  } catch {
    log.warning(
      `The settings file holds a password or key and others may read it; make it readable by its owner only: ${configFile}`,
    );
  }
}

/**
 * The running app's settings, and the one way to change them: validated with the same schema
 * and precedence as at start, written to the config file atomically, then the new settings
 * replace the old ones (the caller applies them). A setting given by a flag or an environment
 * variable wins over the file, so it is not changed here.
 */
export class SettingsStore {
  readonly #input: LoadInput;
  #current: LoadedConfig;
  /** The last save on its way (`save`). */
  #saves: Promise<unknown> = Promise.resolve();

  constructor(input: LoadInput, current: LoadedConfig) {
    this.#input = input;
    this.#current = current;
  }

  get current(): LoadedConfig {
    return this.#current;
  }

  /** True when a flag or an environment variable sets the key, so the page cannot change it. */
  isFixed(key: SettingKey): boolean {
    const source = this.#current.sources[key];
    return source === "flag" || source === "environment";
  }

  /**
   * Throws `ConfigError` (nothing written) when a value is not allowed, `FileInUseError` when
   * another program holds the settings file for longer than `wait`.
   */
  save(change: SettingsChange, wait: SharingWait): Promise<LoadedConfig> {
    // One at a time: each reads the file the one before it wrote (its write is not instant).
    const saved = this.#saves.then(() => this.#save(change, wait));
    this.#saves = saved.catch(() => {});
    return saved;
  }

  async #save(change: SettingsChange, wait: SharingWait): Promise<LoadedConfig> {
    const file = { ...readConfigFile(this.#current.configFile, false) };
    for (const key of EDITABLE_KEYS) {
      const value = change.values[key];
      if (value === undefined || this.isFixed(key)) continue;
      file[key] = coerce(key, value);
    }
    for (const [key, value] of Object.entries(change.secrets ?? {}) as [SecretKey, string][]) {
      if (!this.isFixed(key)) file[key] = value;
    }
    if (change.mode && !this.isFixed("interval_hours") && !this.isFixed("schedule")) {
      if (change.mode === "interval") delete file.schedule;
      else delete file.interval_hours;
    }
    const next = loadConfig(this.#input, { fileValues: file });
    await writeFileAtomic(this.#current.configFile, `${JSON.stringify(file, null, 2)}\n`, { wait });
    this.#current = next;
    return next;
  }
}
