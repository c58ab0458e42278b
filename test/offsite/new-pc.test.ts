import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { itemNames } from "../backup/fixtures.ts";
import { addUserByCli, dataPaths, runCli, tempDir } from "../helpers.ts";
import { type S3Server, startS3Server } from "./s3rver.ts";

const PASSPHRASE = "the shop's long passphrase";

let s3: S3Server;
let env: Record<string, string>;
let oldPc: string;
let backupName: string;

/** The old PC: a database with a user and the shop's items, one backup copied off-site by the `backup` command. */
beforeAll(async () => {
  s3 = await startS3Server();
  env = s3.env({
    BUSINESS_APP_OFFSITE_MIRROR_DIR: tempDir("business-app-usb-"),
    BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE,
  });
  oldPc = tempDir("business-app-old-pc-");
  expect((await addUserByCli(oldPc)).exitCode).toBe(0);
  const db = new Database(dataPaths(oldPc).database);
  db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, remote_id TEXT, payload BLOB)");
  for (const name of ["flour", "sugar", "eggs"]) db.run("INSERT INTO items (name) VALUES (?)", [name]);
  db.close();
  const backup = await runCli(["backup", "--description", "before the move", "--data-dir", oldPc], { env });
  expect(backup.exitCode).toBe(0);
  backupName = /Backup created: (\S+)/.exec(backup.stdout)?.[1] as string;
  expect(backup.stdout).toContain(
    `Off-site copies up to date: the mirror folder (${env.BUSINESS_APP_OFFSITE_MIRROR_DIR})`,
  );
  expect(backup.stdout).toContain(`Off-site copies up to date: S3 (bucket backups at ${s3.endpoint})`);
});
afterAll(async () => {
  await s3.stop();
});

/** An empty folder on a new PC: nothing but the settings. */
const newPc = () => join(tempDir("business-app-new-pc-"), "BusinessApp");

describe("off-site copies from the command line", () => {
  test("offsite status lists local and off-site copies side by side; test and sync say all is well", async () => {
    const status = await runCli(["offsite", "status", "--json", "--data-dir", oldPc], { env });
    expect(status.exitCode).toBe(0);
    const shown = JSON.parse(status.stdout);
    expect(shown.encrypted).toBe(true);
    expect(
      shown.targets.map((t: { target: string; ok: boolean; copies: number }) => [t.target, t.ok, t.copies]),
    ).toEqual([
      ["mirror", true, 1],
      ["s3", true, 1],
    ]);
    expect(shown.backups).toHaveLength(1);
    expect(shown.backups[0]).toMatchObject({ name: backupName, kind: "manual", here: "verified" });
    expect(
      shown.backups[0].offsite.map((p: { target: string; encrypted: boolean }) => [p.target, p.encrypted]),
    ).toEqual([
      ["mirror", true],
      ["s3", true],
    ]);
    const table = await runCli(["offsite", "status", "--data-dir", oldPc], { env });
    expect(table.stdout).toMatch(/NAME\s+KIND\s+CREATED\s+SIZE\s+HERE\s+MIRROR\s+S3/);
    expect(table.stdout).toContain("(age)");

    const tested = await runCli(["offsite", "test", "--data-dir", oldPc], { env });
    expect(tested.exitCode).toBe(0);
    expect(tested.stdout).toContain("ok      S3 (bucket backups at");
    const synced = await runCli(["offsite", "sync", "--data-dir", oldPc], { env });
    expect(synced.exitCode).toBe(0);
    expect(synced.stdout).toContain("0 copied, 0 removed; 1 there");
  });

  test("a new PC with an empty folder restores the newest copy from S3, users and data alike", async () => {
    const dir = newPc();
    const restored = await runCli(["restore", "--latest", "--from", "s3", "--yes", "--data-dir", dir], {
      env,
    });
    expect(restored.stderr).toBe("");
    expect(restored.stdout).toBe(`Restored from ${backupName} (its off-site copy in S3).\n`);
    expect(restored.exitCode).toBe(0);
    expect(itemNames(dataPaths(dir).database)).toEqual(["flour", "sugar", "eggs"]);
    const users = await runCli(["user", "list", "--data-dir", dir], { env });
    expect(users.stdout).toStartWith("boss\tsuper_admin\tactive");
  });

  test("and a named backup from the mirror folder", async () => {
    const dir = newPc();
    const restored = await runCli(["restore", backupName, "--from", "mirror", "--yes", "--data-dir", dir], {
      env,
    });
    expect(restored.exitCode).toBe(0);
    expect(itemNames(dataPaths(dir).database)).toEqual(["flour", "sugar", "eggs"]);
  });

  test("without --from a backup not here comes from its off-site copy, as on the pages: restore NAME and --latest", async () => {
    for (const which of [[backupName], ["--latest"]]) {
      const dir = newPc();
      const restored = await runCli(["restore", ...which, "--yes", "--data-dir", dir], { env });
      expect(restored.exitCode).toBe(0);
      expect(restored.stdout).toContain(`Restored from ${backupName}`);
      expect(itemNames(dataPaths(dir).database)).toEqual(["flour", "sugar", "eggs"]);
    }
  });

  test("a wrong passphrase: a clear error, exit 1, and no database", async () => {
    const dir = newPc();
    const wrong = { ...env, BUSINESS_APP_OFFSITE_PASSPHRASE: "not the shop's passphrase" };
    const refused = await runCli(["restore", "--latest", "--from", "s3", "--yes", "--data-dir", dir], {
      env: wrong,
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      "Restore failed: the passphrase does not open business-app-key.age in S3 (offsite_passphrase is not the one it was encrypted with)\n",
    );
    expect(existsSync(dataPaths(dir).database)).toBe(false);
    expect(
      readdirSync(dataPaths(dir).backupsDir).filter((n) => n.endsWith(".db") || n.endsWith(".tmp")),
    ).toEqual([]);
  });

  test("without --yes it says which copy and where from, and anything but yes changes nothing", async () => {
    const dir = newPc();
    const asked = await runCli(["restore", backupName, "--from", "mirror", "--data-dir", dir], {
      env,
      input: "no\n",
    });
    expect(asked.exitCode).toBe(1);
    expect(asked.stdout).toContain(
      `This puts back: ${backupName} (“before the move”), from its copy in the mirror folder, with its data from `,
    );
    expect(asked.stdout).toContain("The database now: there is no database file.\n");
    expect(asked.stdout).toEndWith("Restore cancelled; nothing was changed.\n");
    expect(existsSync(dataPaths(dir).database)).toBe(false);
  });

  test("usage: --from takes mirror or s3, and a place must be set up", async () => {
    const dir = newPc();
    const bad = await runCli(["restore", "--latest", "--from", "usb", "--data-dir", dir], { env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toStartWith("--from must be mirror or s3.");
    const { BUSINESS_APP_OFFSITE_MIRROR_DIR: _, ...s3Only } = env;
    const none = await runCli(["restore", "--latest", "--from", "mirror", "--yes", "--data-dir", dir], {
      env: s3Only,
    });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toStartWith("Restore failed: No mirror folder is set up");
    const nothing = await runCli(["offsite", "status", "--data-dir", dir]);
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toStartWith("Off-site copies are not set up: set offsite_mirror_dir");
  });
});
