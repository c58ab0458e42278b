import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { listChains } from "../../src/backup/continuous/files/chain.ts";
import { BASE_CHECK_FILE } from "../../src/backup/continuous/upkeep/base-check.ts";
import { OperationRunner } from "../../src/backup/operations/runner.ts";
import { checkHold } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";
import { seededRandom } from "../random.ts";
import {
  contentOf,
  expectedAt,
  quietLog,
  randomChange,
  restoredAt,
  runWorkload,
  startWorkload,
} from "./workload.ts";

/**
 * Continuous protection's merges are background work: a backup someone starts while one is under
 * way goes first, the merge is given up whole (the chain's files as they were, nothing half on
 * disk), and the next poll merges again; every moment stays restorable.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("a merge makes way for an operation", () => {
  test("a backup started while a merge is held goes through; the merge is abandoned, the chain stays valid, and merges again later", async () => {
    const dir = tempDir("business-app-merge-yield-");
    dirs.push(dir);
    const gate = checkHold(["merge"]);
    gate.state.holding = false;
    const runner = new OperationRunner({
      lockPath: join(dir, "operation.lock"),
      log: quietLog,
      clock: () => new Date(),
      backgroundHold: gate.hold,
    });
    // What the capture logs: a merge that made way is no failure, and says nothing.
    const warnings: string[] = [];
    const log = { ...quietLog, warning: (message: string) => warnings.push(message) };
    const w = await startWorkload(dir, { mergeFanIn: 3, background: runner.background, log });
    await runWorkload(w, 10, 5);

    // Steps until a merge is written whole and held before it is put in place.
    gate.state.holding = true;
    const random = seededRandom(11);
    let ticking: Promise<void> = Promise.resolve();
    for (let step = 0; step < 40 && gate.held.length === 0; step++) {
      w.clock.now += 1000;
      randomChange(w.handle.sqlite, random);
      ticking = w.capture.tick();
      await Promise.race([ticking, gate.reached(1)]);
      w.states.push([w.clock.now, contentOf(w.handle.sqlite)]);
    }
    // (The base's full check may run beside it, and be recorded at any moment: not this test's.)
    const merges = () => runner.background.list().filter((p) => p.kind === "merge");
    const files = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f !== BASE_CHECK_FILE)
        .sort();
    expect(merges()).toEqual([{ kind: "merge", name: expect.any(String), startedAt: expect.any(String) }]);
    const chain = listChains(w.backups).at(-1);
    const filesBefore = files(chain?.dir as string);
    // The merged file, whole under its temporary name, not yet in place.
    expect(filesBefore.filter((f) => f.endsWith(".tmp"))).toHaveLength(1);

    // The backup: under the operation lock, while the merge holds on.
    const copy = join(dir, "backup.db");
    await runner.run("Backup failed", async () => {
      w.handle.sqlite.run(`VACUUM INTO '${copy}'`);
    });
    await ticking;
    expect(merges()).toEqual([]);
    expect(warnings).toEqual([]);
    // Nothing of the merge is left: the chain's folder holds what it held before, and lists whole.
    expect(files(chain?.dir as string)).toEqual(filesBefore.filter((f) => !f.endsWith(".tmp")));
    expect(
      listChains(w.backups)
        .at(-1)
        ?.files.map((f) => f.path),
    ).toEqual(chain?.files.map((f) => f.path));
    gate.held[0]?.release();

    gate.state.holding = false;
    await runWorkload(w, 20, 6);
    const merged = listChains(w.backups).flatMap((c) => c.files.map((f) => f.header.level));
    expect(Math.max(...merged)).toBeGreaterThan(0);
    for (const [moment] of w.states.filter((_, i) => i % 4 === 0)) {
      const restored = await restoredAt(w, moment);
      expect(restored.integrity).toBe("ok");
      expect(restored.content).toBe(expectedAt(w, moment) as string);
    }
    expect(warnings).toEqual([]);
    w.capture.stop();
    w.handle.close();
  });
});
