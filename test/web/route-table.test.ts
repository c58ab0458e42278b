import { describe, expect } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type ApiScenario, runScenarios, type WebApp } from "./scenarios.ts";

/**
 * The Settings, off-site settings and recovery routes as tables (see `scenarios.ts`): who sends
 * what, the answer, and what it leaves behind — the audit entries it writes, the log lines, the
 * files — including what it must leave alone.
 */

const configOf = (web: WebApp) => join(web.paths.dataDir, "business-app.config.json");
const savedConfig = (web: WebApp) =>
  JSON.parse(readFileSync(configOf(web), "utf8")) as Record<string, unknown>;
const withCsrf = (fields: Record<string, string>) => (session: { csrfToken: string } | null) => ({
  _csrf: session?.csrfToken ?? "",
  ...fields,
});

const settings: ApiScenario[] = [
  {
    name: "a super admin saves the retention: 303, written to the settings file, applied, audited",
    as: "super_admin",
    method: "POST",
    url: "/settings",
    csrf: false,
    form: withCsrf({
      schedule_choice: "every-6-hours",
      max_backups: "20",
      max_manual_backups: "unlimited",
      max_pre_restore_backups: "5",
      max_pre_update_backups: "3",
      drill_interval_days: "7",
      startup_backup: "true",
    }),
    expectedStatus: 303,
    expectedAudit: [{ action: "settings: save", outcome: "success" }],
    after: ({ web }) => {
      expect(savedConfig(web)).toMatchObject({ max_backups: 20, max_manual_backups: "unlimited" });
    },
  },
  {
    name: "a value out of range is refused with its reason before anything is done: 400, nothing written or audited",
    as: "super_admin",
    method: "POST",
    url: "/settings",
    csrf: false,
    form: withCsrf({ schedule_choice: "every-6-hours", max_backups: "0" }),
    expectedStatus: 400,
    expectedContent: ["max_backups"],
    expectedAudit: [],
    after: ({ web }) => expect(existsSync(configOf(web))).toBe(false),
  },
  {
    name: "an admin may not change settings: 403, nothing written",
    as: "admin",
    method: "POST",
    url: "/settings",
    csrf: false,
    form: withCsrf({ schedule_choice: "every6", max_backups: "20" }),
    expectedStatus: 403,
    after: ({ web }) => expect(existsSync(configOf(web))).toBe(false),
  },
  {
    name: "a bucket without its secret is refused with what is missing: 400, nothing written",
    as: "super_admin",
    method: "POST",
    url: "/settings/offsite",
    csrf: false,
    form: withCsrf({
      offsite_kinds_sent: "true",
      offsite_s3_endpoint: "https://s3.eu-central-003.backblazeb2.com",
      offsite_s3_bucket: "shop-backups",
      offsite_s3_access_key_id: "003abc",
    }),
    expectedStatus: 400,
    expectedContent: ["need BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY as well as offsite_s3_bucket"],
    after: ({ web }) => expect(existsSync(configOf(web))).toBe(false),
  },
  {
    name: "the connection test without off-site copies set up says so and tries nothing",
    as: "super_admin",
    method: "POST",
    url: "/settings/offsite/test",
    csrf: false,
    form: withCsrf({}),
    expectedStatus: 400,
    expectedContent: ["Off-site copies are not set up"],
    expectedAudit: [{ action: "settings: test off-site", outcome: "failure" }],
  },
];

/** The recovery link's token of the app a scenario made (`before` enters recovery mode). */
let token = "";
/** A backup to restore, made before the database became unusable. */
let good = "";

async function inRecovery(web: WebApp, options: { missing?: boolean } = {}) {
  web.db.sqlite.run("CREATE TABLE items (name TEXT)");
  web.db.sqlite.run("INSERT INTO items VALUES ('kept')");
  good = (await web.engine.createBackup({ kind: "manual", description: "good" })).name;
  await web.engine.settled();
  web.db.close();
  if (options.missing) rmSync(web.paths.database);
  token = web.recovery.enter(
    options.missing ? "The database file is missing." : "The database cannot be used: it failed its check.",
  );
}

const recovery: ApiScenario[] = [
  {
    name: "the recovery page without recovery mode: on to the app",
    as: "anonymous",
    method: "GET",
    url: "/recovery",
    expectedStatus: 303,
    after: ({ res }) => expect(res.headers.get("location")).toBe("/"),
  },
  {
    name: "a recovery link without recovery mode: 404",
    as: "anonymous",
    method: "GET",
    url: "/recovery?token=from-an-earlier-start",
    expectedStatus: 404,
  },
  {
    name: "the recovery page with a wrong token: 404, nothing shown",
    as: "anonymous",
    method: "GET",
    before: (web) => inRecovery(web),
    url: "/recovery?token=wrong",
    expectedStatus: 404,
    notExpectedContent: ["Emergency Restore"],
  },
  {
    name: "the recovery page with its token names the good backup and why",
    as: "anonymous",
    method: "GET",
    before: (web) => inRecovery(web),
    url: () => `/recovery?token=${token}`,
    expectedStatus: 200,
    expectedContent: ["it failed its check", "Emergency Restore"],
    after: ({ body }) => expect(body).toContain(good),
  },
  {
    name: "a restore with the token: 303 to sign in, the data back, recovery mode over, audited and logged",
    as: "anonymous",
    method: "POST",
    before: (web) => inRecovery(web),
    url: "/recovery/restore",
    form: () => ({ token, name: good }),
    expectedStatus: 303,
    expectedAudit: [{ action: "backup: restore", outcome: "success" }],
    expectedLog: ["Database restore started from", "Recovery mode ended"],
    after: ({ web, res }) => {
      expect(res.headers.get("location")).toStartWith(`/login?restored=${good}`);
      expect(web.recovery.active).toBe(false);
      expect(web.db.sqlite.query("SELECT name FROM items").all()).toEqual([{ name: "kept" }]);
    },
  },
  {
    name: "a restore with a wrong token: 404, nothing restored, nothing audited",
    as: "anonymous",
    method: "POST",
    before: (web) => inRecovery(web),
    url: "/recovery/restore",
    form: () => ({ token: "wrong", name: good }),
    expectedStatus: 404,
    expectedAudit: [],
    after: ({ web }) => expect(web.recovery.active).toBe(true),
  },
  {
    name: "starting empty while the database file is there is refused: 409, the file untouched",
    as: "anonymous",
    method: "POST",
    before: (web) => inRecovery(web),
    url: "/recovery/start-empty",
    form: () => ({ token }),
    expectedStatus: 409,
    expectedAudit: [],
    after: ({ web }) => {
      expect(web.recovery.active).toBe(true);
      expect(existsSync(web.paths.database)).toBe(true);
    },
  },
  {
    name: "starting empty with the database file gone: a new database, every backup kept, audited and logged",
    as: "anonymous",
    method: "POST",
    before: (web) => inRecovery(web, { missing: true }),
    url: "/recovery/start-empty",
    form: () => ({ token }),
    expectedStatus: 303,
    expectedAudit: [{ action: "database: start empty", outcome: "success" }],
    expectedLog: ["Started with an empty database, as asked on the recovery page; every backup is kept"],
    after: ({ web }) => {
      expect(web.recovery.active).toBe(false);
      expect(web.engine.list().map((r) => r.name)).toContain(good);
    },
  },
];

describe("Settings and off-site settings routes", () => runScenarios(settings));
describe("recovery routes", () => runScenarios(recovery));
