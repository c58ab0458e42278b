import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { buildPointInTime } from "../../src/backup/index.ts";
import { restoredAt, runWorkload, startWorkload } from "../continuous/workload.ts";
import { rejectionOf, tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { mountTmpfs } from "./fault-helpers.ts";

/**
 * Continuous protection's faults besides a kill (`crash-continuous.test.ts`): a full disk where
 * the changes are written, a place that disappears and comes back, and a database damaged while
 * it is captured. In each, what was captured stays restorable exactly, nothing wrong is restored,
 * and the capture goes on (a new chain, said) once the cause is gone.
 */

const dirs: string[] = [];
const unmounts: (() => void)[] = [];
afterAll(() => {
  for (const unmount of unmounts) unmount();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = tempDir("business-app-continuous-faults-");
  dirs.push(dir);
  return dir;
}

/** Fills the disk `path` is on, and returns how to give the room back. */
function fillUp(path: string): () => void {
  const fd = openSync(path, "w");
  try {
    for (;;) writeSync(fd, new Uint8Array(64 * 1024));
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  return () => rmSync(path, { force: true });
}

describe("continuous protection's faults", () => {
  test.skipIf(missing("tmpfs"))(
    "a full disk: the capture stops with the reason while the shop goes on; once there is room a new chain starts, and both stay exact",
    async () => {
      const dir = dataDir();
      const continuous = join(dir, "database_backups", "continuous");
      mkdirSync(continuous, { recursive: true });
      unmounts.push(mountTmpfs(continuous, "8m"));
      const w = await startWorkload(dir);
      await runWorkload(w, 20, 1);
      const before = w.states.at(-1) as [number, string];
      const giveBack = fillUp(join(continuous, "filler"));
      // Commits go on; the capture cannot write them and says why.
      for (let i = 0; i < 5 && w.capture.health().downSince === null; i++) await runWorkload(w, 5, 100 + i);
      expect(w.capture.health().downSince).not.toBeNull();
      expect(w.capture.health().problem).toMatch(/ENOSPC|no space|disk is full/i);
      expect(w.capture.status().active).toBe(false);
      // Nothing half written is left to be taken for a change file.
      for (const chain of readdirSync(continuous).filter((n) => /^\d{8}_/.test(n)))
        expect(readdirSync(join(continuous, chain)).filter((n) => n.startsWith("."))).toEqual([]);
      giveBack();
      // After the pause, the next tick starts a new chain; changes are captured again.
      w.clock.now += 61_000;
      await w.capture.tick();
      await w.capture.settled();
      expect(w.capture.status().active).toBe(true);
      expect(w.capture.health().downSince).toBeNull();
      await runWorkload(w, 10, 7);
      const after = w.states.at(-1) as [number, string];
      expect(await restoredAt(w, before[0])).toEqual({ content: before[1], integrity: "ok" });
      expect(await restoredAt(w, after[0])).toEqual({ content: after[1], integrity: "ok" });
      w.capture.stop();
      w.handle.close();
    },
    60_000,
  );

  test("a place that disappears: its changes wait, the status says why, and it catches up in order when it is back", async () => {
    const dir = dataDir();
    const mirror = join(dataDir(), "usb");
    mkdirSync(mirror);
    const app = createApp(
      { flags: { data_dir: dir }, env: { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror }, appDir: dir, cwd: dir },
      { echo: null, connection: "none" },
    );
    const w = await startWorkload(dir, { mergeFanIn: 4 });
    app.shipping.start();
    await runWorkload(w, 10, 3);
    await app.shipping.syncNow();
    expect(app.shipping.health()).toEqual([{ label: "the mirror folder", lagSeconds: 0, problem: null }]);
    // The USB stick is pulled.
    rmSync(mirror, { recursive: true, force: true });
    await runWorkload(w, 30, 4);
    app.shipping.changed();
    await app.shipping.syncNow();
    const [gone] = app.shipping.health();
    expect(gone?.problem).not.toBeNull();
    // Back again, empty (another stick): everything kept here goes there again, in order.
    mkdirSync(mirror);
    await app.shipping.syncNow();
    expect(app.shipping.health()).toEqual([{ label: "the mirror folder", lagSeconds: 0, problem: null }]);
    const chains = await app.shipping.remoteChains("mirror");
    expect(chains.length).toBeGreaterThan(0);
    await app.shipping.stop();
    w.capture.stop();
    w.handle.close();
  }, 60_000);

  test("the database damaged while it is captured: moments captured before stay exact; a moment that holds the damage fails its check", async () => {
    const dir = dataDir();
    const w = await startWorkload(dir);
    await runWorkload(w, 30, 5);
    const before = w.states.at(-1) as [number, string];
    w.capture.stop();
    w.handle.close();
    // Another program scribbles over the file's pages (a bad sector, a broken copy).
    const database = join(dir, "business_data.db");
    const scribble = Bun.spawnSync([
      "dd",
      "if=/dev/urandom",
      `of=${database}`,
      "bs=4096",
      "seek=2",
      "count=3",
      "conv=notrunc",
    ]);
    expect(scribble.exitCode).toBe(0);
    const again = await startWorkload(dir, { startAt: before[0] + 60_000 });
    // The damaged file is not the state the chain ended with: a new chain, and why.
    expect(again.capture.status().problem).toContain("not captured");
    again.clock.now += 1000;
    let integrity = "ok";
    try {
      again.handle.sqlite.run("INSERT INTO t (k, v) VALUES ('after', x'00')");
      again.capture.poll();
    } catch {
      integrity = "the database refused the write";
    }
    expect(await restoredAt(w, before[0])).toEqual({ content: before[1], integrity: "ok" });
    let later: { content: string; integrity: string } | null = null;
    try {
      later = await restoredAt(again, again.clock.now);
    } catch (error) {
      integrity = String(error);
    }
    // Whatever holds the damage is never passed as a good database: a restore's full check refuses it.
    if (later) {
      expect(later.integrity).not.toBe("ok");
      const checked = join(dir, "checked.db");
      for (const proof of [{ inspect: true }, { check: true }]) {
        expect(
          (await rejectionOf(buildPointInTime(again.backups, again.clock.now, checked, proof))).message,
        ).toMatch(/fails its check/);
        expect(existsSync(checked)).toBe(false);
      }
    } else expect(integrity).not.toBe("ok");
    again.capture.stop();
    again.handle.close();
  }, 60_000);
});
