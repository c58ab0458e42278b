import { describe, expect } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquireFileLock, type FileLock } from "../../src/lib/files/file-lock.ts";
import { sqliteShell } from "../backup/fixtures.ts";
import { missing } from "../tools.ts";
import { type ApiScenario, runScenarios, type WebApp } from "./scenarios.ts";

/** A database with rows worth restoring, and a backup of it. */
async function shopWithBackup(web: WebApp) {
  web.db.sqlite.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
  web.db.sqlite.run("INSERT INTO items (name) VALUES ('apples')");
  return web.engine.createBackup({ kind: "manual", description: "Before the stock count" });
}

const newest = (web: WebApp) => web.engine.list()[0]?.name as string;
const items = (web: WebApp) => web.db.sqlite.query("SELECT name FROM items").all();

/** The operation lock another backup or restore would hold; kept referenced until `after` releases it. */
let held: FileLock | null = null;

const answers: ApiScenario[] = [
  {
    name: "a user creates a manual backup: 201, verified, and the file opens in SQLite",
    as: "user",
    method: "POST",
    url: "/api/backups",
    json: { description: "Before inventory update" },
    expectedStatus: 201,
    expectedAudit: [{ action: "backup: create", outcome: "success" }],
    expectedLog: ["Database backup created: manual_"],
    expectedJson: { backup: { kind: "manual", health: "verified", description: "Before inventory update" } },
    after: ({ web, body }) => {
      const { backup } = JSON.parse(body) as { backup: { name: string } };
      expect(backup.name).toMatch(/^manual_\d{8}_\d{6}_before_inventory_update\.db$/);
      if (!missing("sqlite3")) {
        expect(sqliteShell(join(web.paths.backupsDir, backup.name), "PRAGMA quick_check")).toBe("ok");
      }
    },
  },
  {
    name: "an empty body is a backup without a description",
    as: "user",
    method: "POST",
    url: "/api/backups",
    expectedStatus: 201,
    expectedJson: { backup: { description: "" } },
  },
  {
    name: "the list shows every backup, newest first",
    as: "user",
    method: "GET",
    url: "/api/backups",
    before: async (web) => {
      await web.engine.createBackup({ kind: "automatic" });
      web.clock.advance?.(1000);
      await web.engine.createBackup({ kind: "manual", description: "second" });
    },
    expectedStatus: 200,
    expectedJson: { backups: [{ kind: "manual", description: "second" }, { kind: "automatic" }] },
  },
  {
    name: "the status counts the backups and tells the schedule",
    as: "user",
    method: "GET",
    url: "/api/status",
    before: shopWithBackup,
    expectedStatus: 200,
    expectedJson: { backups: { count: 1 }, scheduler: { cadence: "every 6 hours" }, recoveryMode: false },
  },
  {
    name: "a super admin downloads a backup: an attachment, never cached, byte for byte",
    as: "super_admin",
    method: "GET",
    url: (web) => `/api/backups/${newest(web)}/download`,
    before: shopWithBackup,
    expectedStatus: 200,
    after: ({ web, res, bytes }) => {
      const name = newest(web);
      expect(res.headers.get("content-disposition")).toBe(
        `attachment; filename="${name}"; filename*=UTF-8''${name}`,
      );
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(bytes).toEqual(new Uint8Array(readFileSync(join(web.paths.backupsDir, name))));
    },
  },
  {
    name: "restore brings the rows back, keeps a safety backup and signs everyone out",
    as: "super_admin",
    method: "POST",
    url: (web) => `/api/backups/${newest(web)}/restore`,
    before: async (web) => {
      await shopWithBackup(web);
      web.db.sqlite.run("DELETE FROM items");
    },
    expectedStatus: 200,
    expectedAudit: [{ action: "backup: restore", outcome: "success" }],
    expectedLog: ["Database restore started from manual_", "Safety backup kept: pre_restore_", "completed"],
    after: async ({ web, body, session }) => {
      const result = JSON.parse(body) as { restoredFrom: string; safetyBackup: string };
      expect(result.restoredFrom).toMatch(/^manual_/);
      expect(result.safetyBackup).toMatch(/^pre_restore_/);
      expect(items(web)).toEqual([{ name: "apples" }]);
      expect((await web.request("/api/backups", { cookie: session?.token ?? null })).status).toBe(401);
    },
  },
  {
    name: "the newest good backup cannot be deleted: 409, the refusal audited",
    as: "super_admin",
    method: "DELETE",
    url: (web) => `/api/backups/${newest(web)}`,
    before: shopWithBackup,
    expectedStatus: 409,
    expectedAudit: [{ action: "backup: delete", outcome: "failure" }],
    expectedJson: { error: { code: "backup.protected" } },
    after: ({ web }) => expect(existsSync(join(web.paths.backupsDir, newest(web)))).toBe(true),
  },
  {
    name: "an older backup is deleted: 204, and the file is gone",
    as: "super_admin",
    method: "DELETE",
    url: (web) => `/api/backups/${web.engine.list()[1]?.name}`,
    before: async (web) => {
      await shopWithBackup(web);
      web.clock.advance?.(1000);
      await web.engine.createBackup({ kind: "manual" });
    },
    expectedStatus: 204,
    expectedAudit: [{ action: "backup: delete", outcome: "success" }],
    expectedLog: ["Backup deleted: "],
    after: ({ web }) => expect(web.engine.list()).toHaveLength(1),
  },
];

const refusals: ApiScenario[] = [
  {
    name: "no disk space: 507 with the sizes in words",
    as: "super_admin",
    method: "POST",
    url: "/api/backups",
    json: {},
    app: { freeSpace: () => 1024 },
    expectedStatus: 507,
    expectedJson: { error: { code: "backup.no_space" } },
    expectedContent: ['"message":"not enough disk space (needs'],
  },
  {
    name: "another backup or restore is running: 409 busy",
    as: "super_admin",
    method: "POST",
    url: "/api/backups",
    json: {},
    before: (web) => {
      held = acquireFileLock(web.paths.operationLock);
    },
    expectedStatus: 409,
    expectedJson: { error: { code: "backup.busy" } },
    after: ({ web }) => {
      held?.release();
      expect(web.engine.list()).toEqual([]);
    },
  },
  {
    name: "a damaged backup is not restored: 422",
    as: "super_admin",
    method: "POST",
    url: "/api/backups/broken.db/restore",
    before: (web) => {
      mkdirSync(web.paths.backupsDir, { recursive: true });
      writeFileSync(join(web.paths.backupsDir, "broken.db"), "not a database");
    },
    expectedStatus: 422,
    expectedJson: { error: { code: "backup.unusable" } },
  },
  {
    name: "an unknown backup: 404",
    as: "super_admin",
    method: "POST",
    url: "/api/backups/missing.db/restore",
    expectedStatus: 404,
    expectedJson: { error: { code: "backup.not_found" } },
  },
  {
    name: "an emergency restore without a usable backup: 404",
    as: "super_admin",
    method: "POST",
    url: "/api/backups/emergency-restore",
    expectedStatus: 404,
    expectedJson: { error: { code: "backup.none_usable" } },
  },
  ...["..%2fbusiness_data.db", "%2e%2e%2fbusiness_data.db", "a%00.db", "..%5cx.db"].map(
    (bad): ApiScenario => ({
      name: `a name that is not a listed file (${bad}) restores nothing: 400 or 404`,
      as: "super_admin",
      method: "POST",
      url: `/api/backups/${bad}/restore`,
      expectedStatus: { rule: "400 or 404", test: (status) => status === 400 || status === 404 },
      after: ({ web }) => expect(web.engine.list()).toEqual([]),
    }),
  ),
  {
    name: "a download by a path is refused: 400",
    as: "super_admin",
    method: "GET",
    url: "/api/backups/..%2fbusiness_data.db/download",
    expectedStatus: 400,
    expectedJson: { error: { code: "backup.bad_name" } },
  },
  {
    name: "a description over 200 characters: 400, and nothing is made",
    as: "user",
    method: "POST",
    url: "/api/backups",
    json: { description: "x".repeat(201) },
    expectedStatus: 400,
    expectedJson: { error: { code: "backup.bad_description" } },
    after: ({ web }) => expect(web.engine.list()).toEqual([]),
  },
  {
    name: "a field the API does not know: 400",
    as: "user",
    method: "POST",
    url: "/api/backups",
    json: { colour: "blue" },
    expectedStatus: 400,
    expectedJson: { error: { code: "request.bad_input" } },
  },
  {
    name: "a body that is not JSON: 400 with an example",
    as: "user",
    method: "POST",
    url: "/api/backups",
    body: "{not json",
    headers: { "Content-Type": "application/json" },
    expectedStatus: 400,
    expectedJson: {
      error: {
        code: "request.bad_json",
        message: 'Send JSON such as {"description": "Before the stock count"}.',
      },
    },
  },
];

describe("backup API", () => {
  runScenarios(answers);
});

describe("backup API refusals", () => {
  runScenarios(refusals);
});
