import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { runCli } from "../../src/cli/index.ts";
import { makeSetup, manualClock } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";

/**
 * `business-app retention --preview`, run in this process on a data folder with backups made at
 * chosen times (today, twice yesterday, three days ago): what would stay and go and why, in a
 * table and as JSON, with other values than the saved ones; nothing is removed.
 */
const today = new Date();
const [y, m, d] = [today.getFullYear(), today.getMonth(), today.getDate()];
const times = [
  new Date(y, m, d - 3, 9),
  new Date(y, m, d - 1, 9),
  new Date(y, m, d - 1, 15),
  new Date(y, m, d, 0, 0, 1),
];
const clock = manualClock(times[0] as Date);
// Made with room for all of them: the preview judges them with other numbers.
const { paths, engine } = makeSetup({ clock, env: { BUSINESS_APP_MAX_BACKUPS: "100" } });
const made: string[] = [];
for (const when of times) {
  clock.advance(when.getTime() - clock().getTime());
  made.push((await engine.createBackup({ kind: "automatic" })).name);
}
await engine.settled();
const mirror = tempDir("business-app-retention-mirror-");

async function retention(args: string[]) {
  let stdout = "";
  let stderr = "";
  const exitCode = await runCli(["retention", ...args, "--data-dir", paths.dataDir], {
    env: { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror },
    cwd: paths.dataDir,
    appDir: paths.dataDir,
    version: "test",
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { exitCode, stdout, stderr };
}

const TRY = [
  "--max-backups",
  "1",
  "--keep-daily",
  "2",
  "--keep-weekly",
  "0",
  "--keep-monthly",
  "0",
  "--keep-yearly",
  "0",
];

describe("retention --preview", () => {
  test("--json: every backup with stay or go and the reason; the files stay", async () => {
    const result = await retention(["--preview", "--json", ...TRY]);
    expect(result.exitCode).toBe(0);
    const answer = JSON.parse(result.stdout) as { local: { name: string; keep: boolean; reason: string }[] };
    expect(answer.local.map(({ name, keep, reason }) => ({ name, keep, reason }))).toEqual([
      { name: made[3] as string, keep: true, reason: "kept: one of the newest 1" },
      {
        name: made[2] as string,
        keep: true,
        reason: expect.stringMatching(/^kept: newest of \d+ \w+( \d{4})? \(daily\)$/),
      },
      { name: made[1] as string, keep: false, reason: "goes: not the newest of its day" },
      { name: made[0] as string, keep: false, reason: "goes: older than the 2 days kept" },
    ]);
    expect(readdirSync(paths.backupsDir).filter((n) => n.endsWith(".db"))).toHaveLength(4);
  });

  test("as text: a table here, the mirror folder as recorded, and that nothing was removed", async () => {
    const result = await retention(["--preview"]);
    expect(result.exitCode).toBe(0);
    // With the saved settings (10 newest, 7 days …) every backup stays.
    expect(result.stdout).toContain(`Here (${paths.backupsDir}): 0 of 4 would go.`);
    expect(result.stdout).toMatch(new RegExp(`stays +${made[3]} +automatic .+ kept: one of the newest 10`));
    expect(result.stdout).toContain("as this PC recorded its copies there:\n  (no backups)");
    expect(result.stdout).toContain("Nothing was removed: this is a preview.");
  });

  test("usage errors exit 2 and say what is wrong", async () => {
    const missing = await retention([]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("retention needs --preview");
    const bad = await retention(["--preview", "--keep-daily", "-1"]);
    expect(bad).toMatchObject({ exitCode: 2, stdout: "" });
    expect(bad.stderr).toBe(
      "Invalid value for setting keep_daily: -1. Allowed: a whole number of days from 0 (none) to 100000.\n",
    );
  });
});
