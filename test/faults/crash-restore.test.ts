import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { RESTORE_STEPS } from "../../src/backup/context.ts";
import { dataPaths } from "../../src/config/paths.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { cleanEnv, copyOfFolder, ROOT, scriptCommand, tempDir } from "../helpers.ts";
import { seededRandom } from "../random.ts";
import { missing } from "../tools.ts";
import { addBulk, integrity, itemsChecksum, runSeed } from "./fault-helpers.ts";

const RANDOM_KILLS = Number(process.env.FAULT_ITERATIONS ?? 10);

/** A process that restores `name` the way the server does (its connection open), and kills itself at `step`. */
const RESTORER = `
import { createApp } from ${JSON.stringify(join(ROOT, "src/app.ts"))};
const [dir, name, killAt] = process.argv.slice(2);
const app = createApp({ flags: { data_dir: dir }, env: {}, appDir: dir, cwd: dir }, {
  echo: null,
  beforeRestoreStep: (step) => { if (step === killAt) process.kill(process.pid, "SIGKILL"); },
});
app.db.open();
const engine = app.engine;
console.log("ready");
await engine.restore(name);
console.log("done");
`;

/** A data folder whose database is in state "old", with a backup of an earlier state "backup". */
async function made() {
  const dir = tempDir("business-app-crash-restore-");
  const paths = dataPaths(dir);
  const handle = new DatabaseHandle(paths.database);
  handle.open();
  handle.close();
  addBulk(paths.database, 6, "backup state");
  const { engine } = createApp(
    { flags: { data_dir: dir }, env: {}, appDir: dir, cwd: dir },
    { echo: null, connection: "none" },
  );
  const backup = await engine.createBackup({ kind: "manual" });
  const backupSum = itemsChecksum(paths.database);
  addBulk(paths.database, 2, "newer state");
  const db = new Database(paths.database);
  db.run("DELETE FROM items WHERE id % 3 = 0");
  db.close();
  return { dir, backup: backup.name, backupSum, oldSum: itemsChecksum(paths.database) };
}

let template: ReturnType<typeof made> | null = null;

/** `made()` once per file, copied for each restore that is killed (each kill gets a folder of its own). */
async function prepare() {
  template ??= made();
  const { dir: original, ...states } = await template;
  const dir = copyOfFolder(original, "business-app-crash-restore-");
  const { engine } = createApp(
    { flags: { data_dir: dir }, env: {}, appDir: dir, cwd: dir },
    { echo: null, connection: "none" },
  );
  return { dir, paths: dataPaths(dir), engine, ...states };
}

async function check(setup: Awaited<ReturnType<typeof prepare>>) {
  const { paths, engine } = setup;
  // What the next start does first.
  await engine.cleanupLeftovers();
  // Then it opens the database, which takes in what a killed connection left in its -wal.
  const reopened = new DatabaseHandle(paths.database);
  reopened.open();
  reopened.close();
  expect(existsSync(`${paths.database}.restore-tmp`)).toBe(false);
  expect(readdirSync(paths.backupsDir).filter((f) => f.endsWith(".tmp") || f.endsWith(".keep"))).toEqual([]);
  expect(integrity(paths.database)).toBe("ok");
  const now = itemsChecksum(paths.database);
  expect([setup.oldSum, setup.backupSum]).toContain(now);
  const safety = engine.list().filter((r) => r.kind === "pre_restore");
  if (now === setup.backupSum) {
    // The swap happened, so the safety backup must exist and hold the old state.
    expect(safety).toHaveLength(1);
    expect(itemsChecksum(join(paths.backupsDir, safety[0]?.name as string))).toBe(setup.oldSum);
  }
  for (const record of engine.list()) expect(integrity(join(paths.backupsDir, record.name))).toBe("ok");
  return now === setup.backupSum ? "restored" : "old";
}

async function runRestorer(dir: string, name: string, killAt: string, killAfterMs?: number) {
  const file = join(dir, "..", `restorer-${Math.random().toString(36).slice(2)}.ts`);
  await Bun.write(file, RESTORER);
  const proc = Bun.spawn([...scriptCommand(file), dir, name, killAt], {
    env: cleanEnv(),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (killAfterMs !== undefined) {
    const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // "ready"
    await Bun.sleep(killAfterMs);
    proc.kill("SIGKILL");
  }
  return proc.exited;
}

describe("kill -9 during a restore", () => {
  test.skipIf(missing("sqlite3")).each([...RESTORE_STEPS, "never"])(
    "killed right before %s: entirely old or entirely restored",
    async (step) => {
      const setup = await prepare();
      const code = await runRestorer(setup.dir, setup.backup, step);
      if (step === "never") expect(code).toBe(0);
      else expect(code).not.toBe(0);
      const state = await check(setup);
      // Before the rename nothing changed; from the folder flush on, the restored file is in place.
      const beforeRename = RESTORE_STEPS.indexOf(step as never) <= RESTORE_STEPS.indexOf("rename");
      if (step !== "never" && beforeRename) expect(state).toBe("old");
      else expect(state).toBe("restored");
    },
  );

  test.skipIf(missing("sqlite3"))(
    `${RANDOM_KILLS} kills at random moments of a restore`,
    async () => {
      const random = seededRandom(runSeed("crash during restore"));
      const outcomes: string[] = [];
      for (let i = 0; i < RANDOM_KILLS; i++) {
        const setup = await prepare();
        const delay = Math.floor(random() * 200);
        await runRestorer(setup.dir, setup.backup, "never", delay);
        outcomes.push(`${delay} ms: ${await check(setup)}`);
      }
      console.log(`random restore kills: ${outcomes.join("; ")}`);
    },
    120_000,
  );
});
