import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { appLaidOutFolder, BUN, dataPaths, runCli, startApp, tempDir } from "../helpers.ts";
import { seededRandom } from "../random.ts";
import { missing } from "../tools.ts";
import { addBulk, integrity, runSeed } from "./fault-helpers.ts";

const ITERATIONS = Number(process.env.FAULT_ITERATIONS ?? 20);

/** Inserts one row per transaction until killed, printing each committed id. */
const WRITER = `
import { Database } from "bun:sqlite";
const db = new Database(process.argv[2]);
db.run("PRAGMA busy_timeout = 10000");
db.run("PRAGMA journal_mode = WAL");
db.run("PRAGMA synchronous = NORMAL");
db.run("CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY, note TEXT NOT NULL)");
const insert = db.prepare("INSERT INTO ledger (note) VALUES ('sale')");
while (true) {
  const { lastInsertRowid } = insert.run();
  process.stdout.write(lastInsertRowid + "\\n");
  await Bun.sleep(2);
}
`;

/** Resolves once a snapshot's temporary file is in the backup folder (or after 10 s). */
async function snapshotStarted(dataDir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !readdirSync(dataPaths(dataDir).backupsDir).some((f) => f.endsWith(".tmp")))
    await Bun.sleep(1);
}

describe("kill -9 during snapshots", () => {
  test.skipIf(missing("sqlite3"))(
    `${ITERATIONS} kills of the server in the middle of its startup backup, with a writer running`,
    async () => {
      const random = seededRandom(runSeed("crash during backup"));
      // The app's files, then some tens of MB of data.
      const dataDir = await appLaidOutFolder("business-app-crash-");
      const database = dataPaths(dataDir).database;
      addBulk(database, 24);
      const writerFile = join(tempDir(), "writer.ts");
      await Bun.write(writerFile, WRITER);
      const writer = Bun.spawn([BUN, writerFile, database], { stdout: "pipe", stderr: "inherit" });
      let lastCommitted = 0;
      const reading = (async () => {
        const decoder = new TextDecoder();
        let pending = "";
        for await (const chunk of writer.stdout as ReadableStream<Uint8Array>) {
          pending += decoder.decode(chunk);
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) lastCommitted = Math.max(lastCommitted, Number(line));
        }
      })();

      const points: number[] = [];
      let killedMidway = 0;
      try {
        for (let i = 0; i < ITERATIONS; i++) {
          const app = await startApp({ dataDir });
          const delay = Math.floor(random() * 120);
          // Every other kill waits for the snapshot to be on its way (a busy machine starts it late).
          if (i % 2 === 1) await snapshotStarted(dataDir);
          points.push(delay);
          await Bun.sleep(delay);
          if (readdirSync(dataPaths(dataDir).backupsDir).some((f) => f.endsWith(".tmp"))) killedMidway++;
          app.proc.kill("SIGKILL");
          await app.proc.exited;

          // After the crash: the next start removes leftovers, nothing partial is listed.
          const committed = lastCommitted;
          const listing = JSON.parse((await runCli(["list", "--json", "--data-dir", dataDir])).stdout) as {
            backups: { name: string; health: string }[];
          };
          for (const backup of listing.backups) {
            expect(backup.health).not.toBe("damaged");
            expect(integrity(join(dataPaths(dataDir).backupsDir, backup.name))).toBe("ok");
          }
          expect(integrity(database)).toBe("ok");
          const count = Bun.spawnSync(["sqlite3", "-readonly", database, "SELECT max(id) FROM ledger"])
            .stdout.toString()
            .trim();
          expect(Number(count)).toBeGreaterThanOrEqual(committed);
        }
        const app = await startApp({ dataDir, args: ["--no-startup-backup"] });
        await app.stop();
        expect(readdirSync(dataPaths(dataDir).backupsDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      } finally {
        writer.kill("SIGKILL");
        await writer.exited;
        await reading;
      }
      console.log(
        `kill points (ms after the first answer, odd ones after the snapshot began): ${points.join(", ")}; ${killedMidway} with a snapshot half written`,
      );
      // The kills must really have hit snapshots in progress, not only idle moments.
      expect(killedMidway).toBeGreaterThan(0);
    },
    180_000,
  );
});
