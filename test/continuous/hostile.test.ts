import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { changeRecords, readChangeHeader } from "../../src/backup/continuous/files/change-file.ts";
import { writeChangeFile } from "../../src/backup/continuous/files/change-file-out.ts";
import { buildPointInTime, listChains, PointInTimeError } from "../../src/backup/index.ts";
import { rejectionOf, tempDir } from "../helpers.ts";
import { contentOf, expectedAt, randomChange, restoredAt, runWorkload, startWorkload } from "./workload.ts";

/**
 * What a review found, each as its family: more committed between two reads than one read takes
 * (a checkpoint must not pass what was not read); another PC's chains in a shared place (never
 * removed by a PC that did not write them); a local file that cannot be read (the place keeps
 * what it has, a restore past it refuses); a merge while a file is on its way off-site; sizes from
 * a file that is not what the app wrote (refused before any work).
 */

const PASSPHRASE = "the shop's long passphrase";
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dir(prefix = "business-app-hostile-"): string {
  const made = tempDir(prefix);
  dirs.push(made);
  return made;
}

function appOn(data: string, mirror: string) {
  const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror, BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE };
  return createApp(
    { flags: { data_dir: data }, env, appDir: data, cwd: data },
    { echo: null, connection: "none" },
  );
}

describe("continuous protection against what a review found", () => {
  test("more committed than one read takes: a checkpoint reads it all first, and every moment restores exactly", async () => {
    const w = await startWorkload(dir(), { readBytes: 16 * 1024 });
    // Several transactions of 20–60 KB each: far more than one read of 16 KB, and no tick between.
    for (let i = 0; i < 12; i++) {
      w.clock.now += 1000;
      w.handle.sqlite.run("INSERT INTO t (k, v) VALUES ('large', randomblob(?))", [20_000 + i * 3000]);
    }
    w.capture.checkpoint();
    w.clock.now += 1000;
    randomChange(w.handle.sqlite, () => 0.1);
    await w.capture.tick();
    w.states.push([w.clock.now, contentOf(w.handle.sqlite)]);
    expect(await restoredAt(w, w.clock.now)).toEqual({
      content: expectedAt(w, w.clock.now) as string,
      integrity: "ok",
    });
    w.capture.stop();
    w.handle.close();
  });

  test("a start over a log far longer than one read: the chain is carried on from its place in it, what came after written in change files of about one read each, and every moment restores exactly", async () => {
    const w = await startWorkload(dir(), { readBytes: 16 * 1024 });
    await runWorkload(w, 6, 11);
    const { chainStartedAt } = w.capture.status();
    const before = listChains(w.backups).at(-1)?.files.length ?? 0;
    w.capture.stop();
    // While nobody captures, transactions of 20–60 KB each pile up in the log (no checkpoint: the
    // app's connection stays open and writes fewer pages than SQLite's own checkpoint waits for).
    for (let i = 0; i < 12; i++)
      w.handle.sqlite.run("INSERT INTO t (k, v) VALUES ('while away', randomblob(?))", [20_000 + i * 3000]);
    w.clock.now += 60_000;
    await w.capture.start();
    w.states.push([w.clock.now, contentOf(w.handle.sqlite)]);
    expect(w.capture.status()).toMatchObject({ active: true, problem: null, chainStartedAt });
    // More than one change file: each holds at most about one read.
    expect((listChains(w.backups).at(-1)?.files.length ?? 0) - before).toBeGreaterThan(3);
    for (const [at, content] of w.states.slice(-3))
      expect(await restoredAt(w, at)).toEqual({ content, integrity: "ok" });
    w.capture.stop();
    w.handle.close();
  });

  test("a new PC on the same place with the same passphrase never removes the chains the old PC wrote", async () => {
    const mirror = dir("business-app-usb-");
    const oldPc = dir();
    const old = appOn(oldPc, mirror);
    const w = await startWorkload(oldPc);
    await runWorkload(w, 10, 1);
    await old.shipping.syncNow();
    const before = (await old.shipping.remoteChains("mirror")).length;
    expect(before).toBeGreaterThan(0);
    w.capture.stop();
    w.handle.close();
    const newPc = appOn(dir(), mirror);
    await newPc.shipping.syncNow();
    expect((await newPc.shipping.remoteChains("mirror")).length).toBe(before);
    expect(readdirSync(mirror).filter((n) => n.startsWith("continuous_")).length).toBeGreaterThan(before);
  });

  test("a local change file that cannot be read: the place keeps what it has, and a restore past it refuses", async () => {
    const mirror = dir("business-app-usb-");
    const data = dir();
    const app = appOn(data, mirror);
    const w = await startWorkload(data);
    await runWorkload(w, 6, 2);
    await app.shipping.syncNow();
    const there = readdirSync(mirror)
      .filter((n) => n.startsWith("continuous_"))
      .sort();
    const [chain] = listChains(w.backups);
    const second = chain?.files[1]?.path as string;
    const bytes = readFileSync(second);
    bytes[12] = (bytes[12] ?? 0) ^ 0xff;
    writeFileSync(second, bytes);
    await app.shipping.syncNow();
    expect(
      readdirSync(mirror)
        .filter((n) => n.startsWith("continuous_"))
        .sort(),
    ).toEqual(there);
    expect(
      await rejectionOf(buildPointInTime(w.backups, w.clock.now, join(data, "rebuilt.db"))),
    ).toBeInstanceOf(PointInTimeError);
    // A moment before the damaged file still restores exactly.
    const early = w.states[1] as [number, string];
    expect((await restoredAt(w, early[0])).content).toBe(early[1]);
    w.capture.stop();
    w.handle.close();
  });

  test("files merged while the shipping looked at the chain: it reads the chain again and finishes", async () => {
    const mirror = dir("business-app-usb-");
    const data = dir();
    const app = appOn(data, mirror);
    const w = await startWorkload(data, { mergeFanIn: 3 });
    app.shipping.start();
    for (let i = 0; i < 6; i++) {
      await runWorkload(w, 4, 10 + i);
      // A pass and the merges of the next ticks overlap.
      void app.shipping.pass();
    }
    await app.shipping.syncNow();
    expect(app.shipping.health()).toEqual([{ label: "the mirror folder", lagSeconds: 0, problem: null }]);
    const [remote] = await app.shipping.remoteChains("mirror");
    const local = listChains(w.backups).at(-1);
    expect(remote?.manifest.files.map((f) => f.name).sort()).toEqual(
      ["base.db", ...(local?.files.map((f) => f.path.slice((local?.dir.length ?? 0) + 1)) ?? [])].sort(),
    );
    await app.shipping.stop();
    w.capture.stop();
    w.handle.close();
  });

  test("sizes a file claims are judged before any work: a chain whose base is not its size, a transaction that grows the database by more than it writes", async () => {
    const data = dir();
    const w = await startWorkload(data);
    await runWorkload(w, 5, 3);
    w.capture.stop();
    w.handle.close();
    const [chain] = listChains(w.backups);
    if (!chain) throw new Error("no chain");
    // A record that says the database grew to 2^31 pages with one page written.
    const last = chain.files.at(-1)?.path as string;
    const header = readChangeHeader(last);
    const records = [...changeRecords(last)].map((r, i) => (i === 0 ? { ...r, size: 2 ** 31 } : r));
    rmSync(last);
    writeChangeFile(chain.dir, header, records);
    expect(
      (await rejectionOf(buildPointInTime(w.backups, w.clock.now, join(data, "rebuilt.db")))).message,
    ).toMatch(/makes no sense/);
    // chain.json that claims a size its base does not have: not a chain at all.
    const info = JSON.parse(readFileSync(join(chain.dir, "chain.json"), "utf8"));
    writeFileSync(join(chain.dir, "chain.json"), JSON.stringify({ ...info, size: 2 ** 31 }));
    expect(listChains(w.backups)).toEqual([]);
  });
});
