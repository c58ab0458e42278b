import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emailOptions } from "../../src/app/settings/options.ts";
import { ConfigError, type LoadInput, loadConfig } from "../../src/config/load.ts";
import { protectSecrets } from "../../src/config/settings-store.ts";
import { createLog } from "../../src/lib/log.ts";
import { tempDir } from "../helpers.ts";

function load(partial: Partial<LoadInput> & { files?: Record<string, string> } = {}) {
  const appDir = partial.appDir ?? tempDir();
  for (const [name, text] of Object.entries(partial.files ?? {})) writeFileSync(join(appDir, name), text);
  return loadConfig({
    flags: partial.flags ?? {},
    env: partial.env ?? {},
    appDir,
    cwd: partial.cwd ?? appDir,
  });
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("settings", () => {
  test("defaults of every setting", () => {
    const { settings, sources } = load();
    expect(settings).toEqual({
      port: 5000,
      host: "127.0.0.1",
      interval_hours: 6,
      schedule: null,
      max_backups: 10,
      max_manual_backups: "unlimited",
      max_pre_restore_backups: 5,
      max_pre_update_backups: 3,
      max_startup_backups: 3,
      keep_daily: 7,
      keep_weekly: 4,
      keep_monthly: 12,
      keep_yearly: 3,
      continuous_protection: true,
      continuous_keep_days: 7,
      manual_backups_per_hour: 12,
      startup_backup: true,
      max_upload_mb: 4096,
      allowed_hosts: [],
      audit_retention_days: 365,
      audit_max_entries: 100000,
      busy_file_wait_seconds: 20,
      open_browser: "auto",
      drill_interval_days: 7,
      alert_webhook_url: null,
      offsite_mirror_dir: null,
      offsite_s3_endpoint: null,
      offsite_s3_bucket: null,
      offsite_s3_region: "us-east-1",
      offsite_s3_prefix: "",
      offsite_s3_access_key_id: null,
      offsite_s3_secret_access_key: null,
      offsite_passphrase: null,
      offsite_kinds: ["startup", "automatic", "manual", "pre_update", "uploaded", "external"],
      offsite_max_backups: null,
      offsite_max_manual_backups: null,
      offsite_max_pre_restore_backups: null,
      offsite_max_pre_update_backups: null,
      offsite_max_startup_backups: null,
      offsite_keep_daily: null,
      offsite_keep_weekly: null,
      offsite_keep_monthly: null,
      offsite_keep_yearly: null,
      offsite_passphrase_check_days: 90,
      offsite_timeout_seconds: 30,
      offsite_run_minutes: 360,
      smtp_host: null,
      smtp_port: null,
      smtp_security: "starttls",
      smtp_user: null,
      smtp_password: null,
      smtp_tls_ca_file: null,
      alert_email_from: null,
      alert_email_to: [],
      alert_email_weekly_summary: false,
    });
    expect(Object.values(sources).every((s) => s === "default")).toBe(true);
  });

  test("precedence: flag > environment > config file > default", () => {
    const files = {
      "business-app.config.json": JSON.stringify({ port: 6000, max_backups: 20, max_upload_mb: 10 }),
    };
    const env = { BUSINESS_APP_PORT: "7000", BUSINESS_APP_MAX_BACKUPS: "30" };
    const { settings, sources } = load({ files, env, flags: { port: "8000" } });
    expect(settings.port).toBe(8000);
    expect(sources.port).toBe("flag");
    expect(settings.max_backups).toBe(30);
    expect(sources.max_backups).toBe("environment");
    expect(settings.max_upload_mb).toBe(10);
    expect(sources.max_upload_mb).toBe("config file");
    expect(settings.max_pre_restore_backups).toBe(5);
  });

  test("environment texts become typed values", () => {
    const { settings } = load({
      env: {
        BUSINESS_APP_STARTUP_BACKUP: "false",
        BUSINESS_APP_ALLOWED_HOSTS: "shop-pc.local, 192.168.1.20",
        BUSINESS_APP_MAX_MANUAL_BACKUPS: "50",
        BUSINESS_APP_INTERVAL_HOURS: "0.5",
        BUSINESS_APP_MANUAL_BACKUPS_PER_HOUR: "100",
      },
    });
    expect(settings.startup_backup).toBe(false);
    expect(settings.allowed_hosts).toEqual(["shop-pc.local", "192.168.1.20"]);
    expect(settings.max_manual_backups).toBe(50);
    expect(settings.interval_hours).toBe(0.5);
    expect(settings.manual_backups_per_hour).toBe(100);
  });

  test.each([
    [{ port: "70000" }, "port", "70000", "a whole number from 1 to 65535"],
    [{ interval_hours: "0" }, "interval_hours", "0", "a number of hours"],
    [{ max_backups: "-1" }, "max_backups", "-1", "a whole number from 1"],
    [{ schedule: "every tuesday" }, "schedule", '"every tuesday"', "a cron expression"],
    [{ port: "abc" }, "port", '"abc"', "a whole number"],
    [{ host: "bad host!" }, "host", '"bad host!"', "an IP address or host name"],
  ])(
    "flag %o is refused with a message naming the setting, value and what is allowed",
    (flags, key, shown, allowed) => {
      const error = errorOf(() => load({ flags }));
      expect(error.message).toContain(`setting ${key}`);
      expect(error.message).toContain(`--${key.replaceAll("_", "-")}`);
      expect(error.message).toContain(`: ${shown}.`);
      expect(error.message).toContain(`Allowed: ${allowed}`);
    },
  );

  test("the audit retention: environment over config file, whole numbers in range", () => {
    const files = {
      "business-app.config.json": JSON.stringify({ audit_retention_days: 90, audit_max_entries: 20000 }),
    };
    const { settings, sources } = load({ files, env: { BUSINESS_APP_AUDIT_MAX_ENTRIES: "5000" } });
    expect(settings.audit_retention_days).toBe(90);
    expect(sources.audit_retention_days).toBe("config file");
    expect(settings.audit_max_entries).toBe(5000);
    expect(sources.audit_max_entries).toBe("environment");
    for (const [key, value, allowed] of [
      ["AUDIT_RETENTION_DAYS", "0", "a whole number of days from 1 to 36500"],
      ["AUDIT_RETENTION_DAYS", "1.5", "a whole number of days from 1 to 36500"],
      ["AUDIT_MAX_ENTRIES", "999", "a whole number from 1000 to 10000000"],
      ["AUDIT_MAX_ENTRIES", "lots", "a whole number from 1000 to 10000000"],
    ]) {
      const error = errorOf(() => load({ env: { [`BUSINESS_APP_${key}`]: value as string } }));
      expect(error.message).toContain(`setting ${key?.toLowerCase()} (BUSINESS_APP_${key})`);
      expect(error.message).toContain(`Allowed: ${allowed}.`);
    }
  });

  test("drills, alerts and pre-update backups: their settings and what they refuse", () => {
    const files = {
      "business-app.config.json": JSON.stringify({ alert_webhook_url: "https://hooks.example.com/x?key=1" }),
    };
    const { settings } = load({
      files,
      env: { BUSINESS_APP_DRILL_INTERVAL_DAYS: "0", BUSINESS_APP_MAX_PRE_UPDATE_BACKUPS: "7" },
    });
    expect(settings).toMatchObject({
      drill_interval_days: 0,
      max_pre_update_backups: 7,
      alert_webhook_url: "https://hooks.example.com/x?key=1",
    });
    for (const [key, value, allowed] of [
      ["DRILL_INTERVAL_DAYS", "-1", "from 0 (no scheduled restore drills) to 365"],
      ["DRILL_INTERVAL_DAYS", "2.5", "from 0 (no scheduled restore drills) to 365"],
      ["MAX_PRE_UPDATE_BACKUPS", "0", "a whole number from 1 to 100000"],
      ["ALERT_WEBHOOK_URL", "ftp://example.com/x", "an http:// or https:// address"],
      ["ALERT_WEBHOOK_URL", "not a url", "an http:// or https:// address"],
    ]) {
      const error = errorOf(() => load({ env: { [`BUSINESS_APP_${key}`]: value as string } }));
      expect(error.message).toContain(`setting ${key?.toLowerCase()} (BUSINESS_APP_${key})`);
      expect(error.message).toContain(allowed as string);
    }
  });

  test("a bad environment value names the variable", () => {
    const error = errorOf(() => load({ env: { BUSINESS_APP_STARTUP_BACKUP: "maybe" } }));
    expect(error.message).toContain("BUSINESS_APP_STARTUP_BACKUP");
    expect(error.message).toContain("true or false");
  });

  test("a config file that is not JSON, not an object, or has an unknown key is refused", () => {
    expect(errorOf(() => load({ files: { "business-app.config.json": "{port: 1" } })).message).toContain(
      "is not valid JSON",
    );
    expect(errorOf(() => load({ files: { "business-app.config.json": "[1,2]" } })).message).toContain(
      "must hold a JSON object",
    );
    const unknown = errorOf(() => load({ files: { "business-app.config.json": '{"max_backup": 3}' } }));
    expect(unknown.message).toContain('unknown setting "max_backup"');
    expect(unknown.message).toContain("max_backups");
    const wrongType = errorOf(() =>
      load({ files: { "business-app.config.json": '{"max_backups": "ten"}' } }),
    );
    expect(wrongType.message).toContain('setting max_backups ("max_backups" in the config file): "ten"');
  });

  test("an explicit config file must exist; the default one may be missing", () => {
    expect(errorOf(() => load({ flags: { config: "nope.json" } })).message).toContain("does not exist");
    expect(load().settings.port).toBe(5000);
  });

  test("schedule and interval: the higher source wins, both in one source is refused", () => {
    const files = { "business-app.config.json": JSON.stringify({ schedule: "0 */2 * * *" }) };
    const overridden = load({ files, flags: { interval_hours: "3" } });
    expect(overridden.settings.schedule).toBeNull();
    expect(overridden.settings.interval_hours).toBe(3);
    const fromFile = load({ files, env: {} });
    expect(fromFile.settings.schedule).toBe("0 */2 * * *");
    const both = { "business-app.config.json": JSON.stringify({ schedule: "0 * * * *", interval_hours: 2 }) };
    expect(errorOf(() => load({ files: both })).message).toContain("set only one of them");
  });

  test("accepts 5- and 6-field cron expressions", () => {
    expect(load({ flags: { schedule: "0 30 */6 * * *" } }).settings.schedule).toBe("0 30 */6 * * *");
    expect(load({ flags: { schedule: "15 */6 * * *" } }).settings.schedule).toBe("15 */6 * * *");
  });

  test("the data folder comes from --data-dir, then the environment, relative to the working directory", () => {
    const cwd = tempDir();
    const appDir = tempDir();
    expect(load({ appDir, cwd }).paths.dataDir).toBe(appDir);
    expect(load({ appDir, cwd, env: { BUSINESS_APP_DATA_DIR: "env-data" } }).paths.dataDir).toBe(
      join(cwd, "env-data"),
    );
    const both = load({
      appDir,
      cwd,
      env: { BUSINESS_APP_DATA_DIR: "env-data" },
      flags: { data_dir: "flag-data" },
    });
    expect(both.paths.dataDir).toBe(join(cwd, "flag-data"));
    expect(both.paths.database).toBe(join(cwd, "flag-data", "business_data.db"));
    expect(both.paths.log).toBe(join(cwd, "flag-data", "database_backups", "backup.log"));
    expect(both.configFile).toBe(join(cwd, "flag-data", "business-app.config.json"));
  });

  test("loading creates nothing on disk", () => {
    const appDir = tempDir();
    load({ appDir });
    errorOf(() => load({ appDir, flags: { port: "0" } }));
    expect(readdirSync(appDir)).toEqual([]);
    expect(existsSync(join(appDir, "database_backups"))).toBe(false);
  });

  test("a data folder whose path leaves no room for backup names is refused, with the longest path allowed", () => {
    // Windows' limit, judged by length (the Windows suite runs the executable on a real long folder).
    const base = { flags: {}, env: {}, cwd: "/", platform: "win32" };
    const room = 259 - 114 - "/database_backups".length;
    const fits = `/${"a".repeat(room - 1)}`;
    expect(() => loadConfig({ ...base, appDir: fits })).not.toThrow();
    const tooLong = `${fits}b`;
    expect(() => loadConfig({ ...base, appDir: tooLong })).toThrow(
      `The data folder's path is too long: ${tooLong} has ${tooLong.length} characters, and backup files inside it would need paths of up to 260 characters, more than the 259 this system allows. Use a folder whose path has at most ${room} characters, such as C:\\BusinessApp.`,
    );
    // Elsewhere the limit is PATH_MAX: the same folder is fine.
    expect(() => loadConfig({ ...base, platform: "linux", appDir: tooLong })).not.toThrow();
  });
});

describe("e-mail alert settings", () => {
  test("the port by security unless set; the sender from the user name; a mail server needs someone to write to", () => {
    const env = {
      BUSINESS_APP_SMTP_HOST: "smtp.example.com",
      BUSINESS_APP_SMTP_USER: "shop@example.com",
      BUSINESS_APP_SMTP_PASSWORD: " spaces count ",
      BUSINESS_APP_ALERT_EMAIL_TO: "owner@example.com,partner@example.com",
    };
    const { settings } = load({ env });
    expect(emailOptions(settings)).toMatchObject({
      server: { host: "smtp.example.com", port: 587, security: "starttls", password: " spaces count " },
      from: "shop@example.com",
      to: ["owner@example.com", "partner@example.com"],
    });
    expect(
      emailOptions(load({ env: { ...env, BUSINESS_APP_SMTP_SECURITY: "TLS" } }).settings)?.server.port,
    ).toBe(465);
    expect(
      emailOptions(load({ env: { ...env, BUSINESS_APP_SMTP_PORT: "2525" } }).settings)?.server.port,
    ).toBe(2525);
    expect(emailOptions(load().settings)).toBeNull();
    const cases: [Record<string, string>, string][] = [
      [
        { BUSINESS_APP_SMTP_HOST: "smtp.example.com" },
        "E-mail alerts need the addresses to send alerts to (alert_email_to) as well as the outgoing mail server (smtp_host).",
      ],
      [
        { BUSINESS_APP_ALERT_EMAIL_TO: "owner@example.com" },
        "E-mail alerts need the outgoing mail server (smtp_host) as well as the addresses to send alerts to (alert_email_to).",
      ],
      [
        { ...env, BUSINESS_APP_SMTP_USER: "shop" },
        "E-mail alerts need the sender's address (alert_email_from), as the user name (smtp_user) is not an e-mail address.",
      ],
      [
        { ...env, BUSINESS_APP_SMTP_PASSWORD: "" },
        "The mail account needs the password (smtp_password or BUSINESS_APP_SMTP_PASSWORD) as well as the user name (smtp_user).",
      ],
      [{ ...env, BUSINESS_APP_SMTP_SECURITY: "ssl" }, "Invalid value for setting smtp_security"],
      [{ ...env, BUSINESS_APP_ALERT_EMAIL_TO: "owner" }, "Invalid value for setting alert_email_to"],
    ];
    for (const [given, words] of cases) expect(errorOf(() => load({ env: given })).message).toContain(words);
    const secret = errorOf(() => load({ env: { ...env, BUSINESS_APP_SMTP_PASSWORD: "bad\nline" } })).message;
    expect(secret).toContain("(not shown)");
    expect(secret).not.toContain("bad");
  });

  test("a settings file with a secret that others may read is made owner-only at start, and logged", () => {
    if (process.platform === "win32") return;
    const dir = tempDir();
    const file = join(dir, "business-app.config.json");
    writeFileSync(file, JSON.stringify({ smtp_password: "secret" }), { mode: 0o644 });
    chmodSync(file, 0o644);
    const lines: string[] = [];
    const log = createLog({
      path: join(dir, "backup.log"),
      clock: () => new Date(),
      echo: (_, line) => lines.push(line),
    });
    protectSecrets(file, log);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(lines).toEqual([expect.stringContaining(`only its owner may read it now: ${file}`)]);
    protectSecrets(file, log);
    expect(lines).toHaveLength(1);
    const plain = join(dir, "plain.json");
    writeFileSync(plain, JSON.stringify({ max_backups: 3 }), { mode: 0o644 });
    chmodSync(plain, 0o644);
    protectSecrets(plain, log);
    expect(statSync(plain).mode & 0o777).toBe(0o644);
  });
});
