import { describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { KeptListing } from "../../src/backup/catalog/kept-listing.ts";
import { MANIFEST_FILE, mergeListing, readManifest, scanFolder } from "../../src/backup/catalog/manifest.ts";
import { seededRandom } from "../random.ts";
import { makeSetup } from "./fixtures.ts";

/**
 * The listing kept between reads (`KeptListing`) against one built from scratch, after every step
 * of a random mix of the app's own changes and changes from outside the process. LISTING_SEED
 * repeats a run; LISTING_STEPS sets its length.
 */
const SEED = Number(process.env.LISTING_SEED ?? Math.floor(Math.random() * 2 ** 31));
const STEPS = Number(process.env.LISTING_STEPS ?? 32);
/**
 * The second reader plays a file system whose times move in ticks of `TICK_MS` (as FAT's move
 * every 2 s): changes within one tick leave the same times. It keeps a listing built `SETTLE_MS`
 * after the last change, short, so that the search reaches kept reads.
 */
const TICK_MS = 50;
const SETTLE_MS = 60;

const fresh = (dir: string) => mergeListing(scanFolder(dir), readManifest(dir).records);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the kept listing", () => {
  test(`equals a fresh one after any mix of changes, here and from outside (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const pick = <T>(items: T[]): T | undefined => items[Math.floor(random() * items.length)];
    const { engine, paths } = makeSetup();
    const dir = paths.backupsDir;
    // Another app on the same data folder, working on the files alone, as the command line does.
    const other = createApp(
      { flags: { data_dir: paths.dataDir }, env: {}, appDir: paths.dataDir, cwd: paths.dataDir },
      { connection: "none", echo: null },
    );
    // A second reader of the folder: a process that did none of the changes itself.
    const reader = new KeptListing(dir, { settleMs: SETTLE_MS, tickMs: TICK_MS });
    const names = () => scanFolder(dir).map((f) => f.name);
    const editManifest = (edit: (text: string) => string) => {
      const path = join(dir, MANIFEST_FILE);
      // Written in place (the same inode), as an editor may do it.
      if (existsSync(path)) writeFileSync(path, edit(readFileSync(path, "utf8")));
    };
    let added = 0;
    const outsideAdd = () => {
      const from = pick(names());
      const to = join(dir, `copied by hand ${++added}.db`);
      if (from) copyFileSync(join(dir, from), to);
      else writeFileSync(to, "not a database");
    };

    const steps: Record<string, () => Promise<unknown> | unknown> = {
      "app backup": () => engine.createBackup({ kind: "manual", description: `step ${added}` }),
      "other app's backup": () => other.engine.createBackup({ kind: "manual" }),
      "outside adds a file": outsideAdd,
      "outside deletes a file": () => {
        const name = pick(names());
        if (name) unlinkSync(join(dir, name));
      },
      // The same length: the manifest's size stays as it was.
      "manifest edited": () =>
        editManifest((text) => text.replace(/"step (\d)/, (_, d) => `"step ${(Number(d) + 1) % 10}`)),
      "manifest damaged": () => editManifest((text) => `${text.slice(0, text.length / 2)}`),
      "manifest removed": () => rmSync(join(dir, MANIFEST_FILE), { force: true }),
      "check recorded": async () => {
        const name = pick(names());
        if (name) await engine.checks.verify([name]).catch(() => {});
      },
      "app deletes a backup": async () => {
        const name = pick(names());
        if (name) await engine.deleteBackup(name).catch(() => {});
      },
      // Changes right after a read, within the same tick of the file system's clock (4 ms on ext4).
      "same-tick changes": async () => {
        await Promise.all([engine.settled(), other.engine.settled()]);
        for (const change of [
          outsideAdd,
          () => editManifest((text) => text.replace('"unchecked"', '"damaged"  ')),
        ]) {
          engine.list();
          reader.list();
          change();
          check("in the same tick");
        }
      },
      "quiet for a while": () => pause(SETTLE_MS + TICK_MS),
    };

    const done: string[] = [];
    function check(where: string): void {
      for (const [who, list] of [
        ["the app", () => engine.list()],
        ["the second reader", () => reader.list()],
      ] as const) {
        // Twice: the second read is the one that may come from what the first kept.
        for (const read of [1, 2]) {
          const expected = fresh(dir);
          const seen = list();
          if (!Bun.deepEquals(seen, expected))
            throw new Error(
              `${who}'s listing (read ${read}) differs from a fresh one ${where}; seed ${SEED}, steps: ${done.join(", ")}`,
            );
        }
      }
    }

    const kinds = Object.keys(steps);
    for (let i = 0; i < STEPS; i++) {
      // Every eighth step is quiet, so that every run reaches reads of a kept listing.
      const kind = i % 8 === 7 ? "quiet for a while" : (pick(kinds) as string);
      done.push(kind);
      await steps[kind]?.();
      // The checks that follow a backup in the background write the manifest too: done before comparing.
      await Promise.all([engine.settled(), other.engine.settled()]);
      check(`after ${kind}`);
    }
    // The search reached the kept listing, not only fresh builds.
    expect(reader.counts.kept).toBeGreaterThan(0);
    expect(reader.counts.built).toBeGreaterThan(0);
  }, 60_000);

  test("a backup file rewritten in place (the folder unchanged) shows once the kept listing is older than its limit", async () => {
    const { engine, paths } = makeSetup();
    const made = await engine.createBackup({ kind: "manual" });
    await engine.settled();
    const dir = paths.backupsDir;
    const reader = new KeptListing(dir, { settleMs: 0, maxAgeMs: 200 });
    await pause(5);
    reader.list();
    expect(reader.list()[0]?.health).toBe("verified");
    expect(reader.counts.kept).toBe(1);
    // Longer: a different file under the same name, listed unchecked.
    writeFileSync(
      join(dir, made.name),
      Buffer.concat([readFileSync(join(dir, made.name)), Buffer.alloc(4096)]),
    );
    await pause(250);
    expect(reader.list()).toEqual(fresh(dir));
    expect(reader.list()[0]?.health).toBe("unchecked");
  });

  test("records handed out cannot be changed, and each read is a new array", async () => {
    const { engine } = makeSetup();
    await engine.createBackup({ kind: "manual" });
    const first = engine.list();
    first.pop();
    const again = engine.list();
    expect(again).toHaveLength(1);
    expect(() => {
      (again[0] as { health: string }).health = "damaged";
    }).toThrow();
  });
});
