import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { PointInTimeError } from "../../src/backup/index.ts";
import { rejectionOf, tempDir } from "../helpers.ts";
import { seededRandom } from "../random.ts";
import { expectedAt, restoredAt, runWorkload, startWorkload } from "./workload.ts";

/**
 * Time travel, searched: the seeded workload (`workload.ts`) records the exact content after each
 * capture; restores at random instants, at each commit and
 * between, before the first and after the last must give that content and pass integrity_check.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Seed 1 every run, and one new seed per run (in the test's name; `TIME_TRAVEL_SEED=N` repeats it). */
const searched = Number(process.env.TIME_TRAVEL_SEED ?? 2 + Math.floor(Math.random() * 1_000_000));

describe("restore to a point in time", () => {
  for (const seed of [1, searched]) {
    test(`seed ${seed}: every instant tried gives the content of that moment`, async () => {
      const dir = tempDir("business-app-continuous-");
      dirs.push(dir);
      const w = await startWorkload(dir, { mergeFanIn: 4 });
      await runWorkload(w, 120, seed);
      const random = seededRandom(seed * 7919);
      const first = w.states[0]?.[0] as number;
      const last = w.states.at(-1)?.[0] as number;
      const instants = [first, last, last + 3_600_000];
      for (let i = 0; i < 25; i++) {
        const [moment] = w.states[Math.floor(random() * w.states.length)] as [number, string];
        instants.push(moment, moment + Math.floor(random() * 999) + 1, moment - 1);
      }
      let checked = 0;
      for (const at of instants) {
        const expected = expectedAt(w, at);
        if (expected === null) continue;
        const restored = await restoredAt(w, at);
        expect(restored.integrity).toBe("ok");
        expect(restored.content).toBe(expected);
        checked++;
      }
      expect(checked).toBeGreaterThan(60);
      expect(await rejectionOf(restoredAt(w, first - 1))).toBeInstanceOf(PointInTimeError);
      w.capture.stop();
      w.handle.close();
    });
  }
});
