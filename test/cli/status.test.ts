import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataPaths, folderWithBackup, runCli, startApp } from "../helpers.ts";
import { missing } from "../tools.ts";

/**
 * `business-app status` tells what `/api/health` tells, whether or not the app runs: for the
 * command monitoring tools rely on, "ok" only when it is.
 */

/** A data folder with a database holding a user, and a good backup of it. */
const shop = () => folderWithBackup("business-app-status-");

const statusOf = async (dir: string, ...args: string[]) => {
  const result = await runCli(["status", "--json", ...args, "--data-dir", dir]);
  return { exitCode: result.exitCode, answer: JSON.parse(result.stdout) as Record<string, unknown> };
};

/** Damaged pages, as a failing disk leaves them: the file still opens. */
function damagePages(path: string): void {
  const bytes = readFileSync(path);
  for (let offset = 2 * 4096; offset < bytes.length; offset += 4096) bytes.fill(0xff, offset, offset + 64);
  writeFileSync(path, bytes);
}

describe("status without the app", () => {
  test("ok only for a database that passes its check, with a good backup", async () => {
    const dir = await shop();
    expect(await statusOf(dir)).toEqual({
      exitCode: 0,
      answer: { status: "ok", reasons: [], app: "stopped", database: null, note: null, alerts: [] },
    });
  });

  test("a damaged database: degraded, exit 1, with what was found", async () => {
    const dir = await shop();
    damagePages(dataPaths(dir).database);
    const { exitCode, answer } = await statusOf(dir);
    expect(exitCode).toBe(1);
    expect(answer).toMatchObject({ status: "degraded", reasons: ["database_damaged"], app: "stopped" });
    expect(String(answer.database)).toStartWith("it failed its check (");
    const words = await runCli(["status", "--data-dir", dir]);
    expect(words.stdout).toStartWith(
      "BusinessApp: degraded (the app is not running)\n- The database: it failed its check (",
    );
  });

  test("a missing database: degraded, exit 1", async () => {
    const dir = await shop();
    rmSync(dataPaths(dir).database);
    const { exitCode, answer } = await statusOf(dir);
    expect(exitCode).toBe(1);
    expect(answer).toMatchObject({ status: "degraded", reasons: ["database_missing"] });
  });

  test("a check that does not finish in its time is a note, not damage; a database another program holds is not called damaged", async () => {
    const dir = await shop();
    // Another program holds the database locked: SQLite waits 5 s for it, past a 1 s bound.
    const holder = new Database(dataPaths(dir).database);
    holder.run("PRAGMA locking_mode = EXCLUSIVE");
    holder.run("BEGIN EXCLUSIVE");
    try {
      const late = await statusOf(dir, "--check-seconds", "1");
      expect(late.exitCode).toBe(0);
      expect(late.answer).toMatchObject({ status: "ok", reasons: [] });
      expect(String(late.answer.note)).toStartWith("The database's check did not finish within 1 s");
      const held = await statusOf(dir, "--check-seconds", "20");
      expect(held.exitCode).toBe(1);
      expect(held.answer).toMatchObject({
        reasons: ["database_busy"],
        database: "another program holds it locked, so it could not be checked",
      });
    } finally {
      holder.run("COMMIT");
      holder.close();
    }
    const refused = await runCli(["status", "--check-seconds", "0", "--data-dir", dir]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("--check-seconds must be a whole number from 1 to 3600.");
  });

  test.skipIf(missing("tmpfs"))(
    "a backup folder that cannot be written (a read-only disk): degraded, exit 1, with what to do",
    async () => {
      const dir = await shop();
      const backups = dataPaths(dir).backupsDir;
      const bind = spawnSync("mount", ["--bind", backups, backups], { encoding: "utf8" });
      expect(bind.status).toBe(0);
      try {
        const ro = spawnSync("mount", ["-o", "remount,bind,ro", backups], { encoding: "utf8" });
        expect(ro.status).toBe(0);
        const { exitCode, answer } = await statusOf(dir);
        expect(exitCode).toBe(1);
        expect(answer.reasons).toEqual(["backup_folder_unwritable"]);
        const words = await runCli(["status", "--data-dir", dir]);
        expect(words.stdout).toContain("- The backup folder cannot take a backup: it cannot be written.");
        expect(words.stdout).toContain("  What to do: Give BusinessApp's user the right to write");
      } finally {
        spawnSync("umount", ["-l", backups]);
      }
    },
  );
});

describe("status beside the running app", () => {
  test("says what the app's /api/health says: ok, then recovery mode for a database damaged under it", async () => {
    const dir = await shop();
    const app = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    try {
      expect(await (await fetch(`${app.url}/api/health`)).json()).toEqual({ status: "ok" });
      expect(await statusOf(dir)).toMatchObject({ exitCode: 0, answer: { status: "ok", app: "running" } });
    } finally {
      expect(await app.stop()).toBe(0);
    }
    damagePages(dataPaths(dir).database);
    const broken = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    try {
      const deadline = Date.now() + 15_000;
      let health = (await (await fetch(`${broken.url}/api/health`)).json()) as { reasons?: string[] };
      while (!health.reasons?.includes("recovery_mode") && Date.now() < deadline) {
        await Bun.sleep(25);
        health = (await (await fetch(`${broken.url}/api/health`)).json()) as { reasons?: string[] };
      }
      expect(health.reasons).toContain("recovery_mode");
      const { exitCode, answer } = await statusOf(dir);
      expect(exitCode).toBe(1);
      expect(answer).toMatchObject({ status: "degraded", app: "running", reasons: health.reasons });
      expect(String(answer.database)).toContain("recovery mode");
    } finally {
      expect(await broken.stop()).toBe(0);
    }
  });

  test("an address beside the lock that is not the app's own kind is never asked: the settings' address is", async () => {
    const dir = await shop();
    const app = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    try {
      // The settings name the port it listens on; beside the lock stands another host (which would
      // keep status waiting), another scheme, a path, credentials, no port, or text that is no
      // address: each is passed over for the address the settings give.
      writeFileSync(join(dir, "business-app.config.json"), JSON.stringify({ port: app.port }));
      for (const written of [
        "http://192.0.2.1:9",
        "http://example.com:80",
        "https://127.0.0.1:9",
        "http://127.0.0.1:9/elsewhere",
        "http://user:secret@127.0.0.1:9",
        "http://127.0.0.1",
        "not an address",
        "x".repeat(100_000),
      ]) {
        writeFileSync(join(dir, ".business-app.lock.url"), written);
        const { exitCode, answer } = await statusOf(dir);
        expect({ written: written.slice(0, 40), exitCode, status: answer.status }).toEqual({
          written: written.slice(0, 40),
          exitCode: 0,
          status: "ok",
        });
      }
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  test("an app that holds the lock but does not answer is degraded", async () => {
    const dir = await shop();
    const app = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    try {
      // Its address beside the lock points to a port nobody answers on.
      writeFileSync(join(dir, ".business-app.lock.url"), "http://127.0.0.1:9");
      const { exitCode, answer } = await statusOf(dir);
      expect(exitCode).toBe(1);
      expect(answer).toMatchObject({ status: "degraded", app: "running", reasons: ["app_not_answering"] });
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });
});
