import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { contentOf, restoredAt, startWorkload, type Workload } from "../continuous/workload.ts";
import { cleanEnv, ROOT, scriptCommand, tempDir } from "../helpers.ts";
import { seededRandom } from "../random.ts";
import { runSeed } from "./fault-helpers.ts";

/**
 * kill -9 at random moments of continuous protection: a process runs the seeded workload with
 * small merges and frequent new bases (so capture, checkpoints, merges and new chains are all
 * under way), and records each moment once its capture returned. After the kill, every recorded
 * moment must restore to exactly its content with integrity_check ok (nothing restorable lost,
 * nothing wrong restored), and the next start must capture again (carrying the chain on or
 * starting a new one).
 */

const KILLS = Number(process.env.FAULT_ITERATIONS ?? 4);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const WRITER = `
import { openSync, writeSync, fsyncSync } from "node:fs";
import { join } from "node:path";
import { contentOf, randomChange, startWorkload } from ${JSON.stringify(join(ROOT, "test/continuous/workload.ts"))};
import { seededRandom } from ${JSON.stringify(join(ROOT, "test/random.ts"))};
const [dir, seed] = process.argv.slice(2);
const w = await startWorkload(dir, { mergeFanIn: 3, chainBytes: 200_000 });
const random = seededRandom(Number(seed));
const moments = openSync(join(dir, "moments.txt"), "a");
console.log("ready");
for (;;) {
  w.clock.now += 1000;
  randomChange(w.handle.sqlite, random);
  await w.capture.tick();
  if (random() < 0.1) w.capture.checkpoint();
  writeSync(moments, w.clock.now + " " + contentOf(w.handle.sqlite) + "\\n");
  fsyncSync(moments);
}
`;

async function killedWriter(dir: string, seed: number, afterMs: number): Promise<void> {
  const file = join(dir, "..", `writer-${Math.random().toString(36).slice(2)}.ts`);
  await Bun.write(file, WRITER);
  const proc = Bun.spawn([...scriptCommand(file), dir, String(seed)], {
    env: cleanEnv(),
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  if (!new TextDecoder().decode(first.value).includes("ready"))
    throw new Error(`the writer did not start: ${await new Response(proc.stderr).text()}`);
  await Bun.sleep(afterMs);
  proc.kill("SIGKILL");
  await proc.exited;
  rmSync(file, { force: true });
}

describe("kill -9 during continuous protection", () => {
  test(`${KILLS} kills at random moments: every recorded moment restores exactly, and the next start captures again`, async () => {
    const random = seededRandom(runSeed("crash during continuous protection"));
    const outcomes: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const dir = tempDir("business-app-crash-continuous-");
      dirs.push(dir);
      const afterMs = 300 + Math.floor(random() * 2500);
      await killedWriter(dir, Math.floor(random() * 1e9), afterMs);
      const states = readFileSync(join(dir, "moments.txt"), "utf8")
        .split("\n")
        .filter((line) => /^\d+ [0-9a-f]{64}$/.test(line))
        .map((line) => line.split(" ").map((v, j) => (j === 0 ? Number(v) : v)) as [number, string]);
      expect(states.length).toBeGreaterThan(0);
      const w = { dir, backups: join(dir, "database_backups"), states } as unknown as Workload;
      const picked = states.filter((_, j) => j === states.length - 1 || random() < 0.2);
      for (const [at, content] of picked) {
        const restored = await restoredAt(w, at);
        expect(restored.integrity).toBe("ok");
        expect(restored.content).toBe(content);
      }
      // The next start: the capture works again, whatever the kill left.
      const last = (states.at(-1) as [number, string])[0];
      const again = await startWorkload(dir, { startAt: last + 10_000 });
      again.clock.now += 1000;
      again.handle.sqlite.run("INSERT INTO t (k, v) VALUES ('after the kill', x'00')");
      expect(again.capture.poll()).toBe(1);
      const now = contentOf(again.handle.sqlite);
      expect((await restoredAt(again, again.clock.now)).content).toBe(now);
      again.capture.stop();
      again.handle.close();
      const chains = readdirSync(join(dir, "database_backups", "continuous")).filter(
        (n) => !n.startsWith("."),
      );
      const merged = chains.flatMap((c) =>
        readdirSync(join(dir, "database_backups", "continuous", c)).filter((n) => /^L[1-9]/.test(n)),
      );
      outcomes.push(
        `${afterMs} ms: ${states.length} moments, ${picked.length} restored, ${chains.length} chains, ${merged.length} merged files`,
      );
    }
    console.log(`continuous protection kills: ${outcomes.join("; ")}`);
  }, 240_000);
});
