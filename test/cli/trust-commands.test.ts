import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataPaths, folderWithBackup, runCli, tempDir } from "../helpers.ts";

/** A data folder with a database (made by `user add`) and one backup of it. */
async function withBackup(): Promise<{ dataDir: string; backup: string }> {
  const dataDir = await folderWithBackup("business-app-trust-cli-");
  const backup = readdirSync(dataPaths(dataDir).backupsDir).find((n) => n.startsWith("manual_")) as string;
  return { dataDir, backup };
}

describe("drill and status at the command line", () => {
  test("status: degraded with what to do, exit 1, until there is a good backup", async () => {
    const empty = tempDir("business-app-status-");
    const none = await runCli(["status", "--data-dir", empty]);
    expect(none.exitCode).toBe(1);
    expect(none.stdout).toContain("BusinessApp: degraded");
    expect(none.stdout).toContain("- There is no good backup of the database.");
    expect(none.stdout).toContain("  What to do: Make sure BusinessApp is running");
    const { dataDir } = await withBackup();
    const ok = await runCli(["status", "--json", "--data-dir", dataDir]);
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      status: "ok",
      reasons: [],
      app: "stopped",
      database: null,
      note: null,
      alerts: [],
    });
  });

  test("drill: passes on a real backup; fails, exit 1, on one damaged after it was made, and status says so", async () => {
    const { dataDir, backup } = await withBackup();
    const passed = await runCli(["drill", "--data-dir", dataDir]);
    expect(passed.exitCode).toBe(0);
    expect(passed.stdout).toStartWith(`Restore drill passed: ${backup} was restored into a temporary file`);
    const json = await runCli(["drill", "--json", "--data-dir", dataDir]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, reason: null, backup, tables: 3 });

    const path = join(dataPaths(dataDir).backupsDir, backup);
    const bytes = readFileSync(path);
    bytes.fill(0x5a, bytes.length - 300, bytes.length - 200);
    writeFileSync(path, bytes);
    const failed = await runCli(["drill", "--data-dir", dataDir]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain(
      `Restore drill failed with ${backup}: the backup ${backup} changed after it was made`,
    );
    const status = await runCli(["status", "--json", "--data-dir", dataDir]);
    expect(status.exitCode).toBe(1);
    const answer = JSON.parse(status.stdout) as { status: string; reasons: string[] };
    expect(answer.status).toBe("degraded");
    expect(answer.reasons).toContain("drill_failed");
    const log = readFileSync(join(dataPaths(dataDir).backupsDir, "backup.log"), "utf8");
    expect(log).toContain(`ERROR - Restore drill failed with ${backup}:`);
  });
});
