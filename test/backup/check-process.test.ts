import { describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BackupFolder } from "../../src/backup/catalog/folder.ts";
import type { ManifestRecord } from "../../src/backup/catalog/manifest.ts";
import { inspectFileInProcess, stopCheckProcesses } from "../../src/backup/inspect/process-task.ts";
import { inspectFileInWorker } from "../../src/backup/inspect/worker-client.ts";
import { BackgroundYieldedError } from "../../src/backup/operations/background.ts";
import { inspectRecord } from "../../src/backup/operations/verify.ts";
import { INSPECT_PROCESS_ARG } from "../../src/worker-urls.ts";
import { BUN, folderWithBackup, MAIN, rejectionOf, tempDir } from "../helpers.ts";
import { makeSetup } from "./fixtures.ts";

/**
 * The full check of background work runs in a process of its own, so that making way stops it
 * at once (SQLite's `integrity_check` cannot be interrupted inside a thread). A FIFO in place of
 * the backup holds the process inside the file's first read for as long as no one writes to it,
 * so "still running" and "gone" are facts, not timings.
 */

/** The processes, by pid, checking `path` now (read from /proc). */
function checksOf(path: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return args.includes(INSPECT_PROCESS_ARG) && args.includes(path);
      } catch {
        return false; // Ended while we looked.
      }
    })
    .map(Number);
}

/** Waits, at most `limitMs`, until `holds()`; says whether it did. */
async function eventually(holds: () => boolean, limitMs = 20_000): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (!holds()) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(20);
  }
  return true;
}

/** A FIFO at a new path: whoever opens it to read waits until a writer comes. */
function fifo(): string {
  const path = join(tempDir(), "held.db");
  const made = Bun.spawnSync(["mkfifo", path]);
  if (made.exitCode !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
  return path;
}

const linux = process.platform === "linux" && existsSync("/proc/self/cmdline");

describe("the full check in a process of its own", () => {
  test("answers what the worker thread answers: a healthy backup, and a file that is not one", async () => {
    const dir = await folderWithBackup();
    const [name] = readdirSync(join(dir, "database_backups")).filter((f) => f.endsWith(".db"));
    const path = join(dir, "database_backups", name as string);
    const inProcess = await inspectFileInProcess(path, new AbortController().signal);
    expect(inProcess.check.ok).toBe(true);
    expect(inProcess.rowCounts?.users).toBe(1);
    expect(inProcess).toEqual(await inspectFileInWorker({ path }));

    const notOne = join(tempDir(), "notes.db");
    writeFileSync(notOne, "not a database\n".repeat(100));
    const judged = await inspectFileInProcess(notOne, new AbortController().signal);
    expect(judged.check).toEqual({ ok: false, reason: "not an SQLite database file" });
    expect(judged).toEqual(await inspectFileInWorker({ path: notOne }));

    // A copy with a byte of every page after the first flipped: damage, found the same way in both.
    const damaged = join(tempDir(), "damaged.db");
    copyFileSync(path, damaged);
    const bytes = readFileSync(damaged);
    for (let offset = 4096 + 8; offset < bytes.length; offset += 4096)
      bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
    writeFileSync(damaged, bytes);
    const found = await inspectFileInProcess(damaged, new AbortController().signal);
    expect(found.check.ok).toBe(false);
    expect(found).toEqual(await inspectFileInWorker({ path: damaged }));
  });

  test.skipIf(!linux)("an abort kills the process at once and rejects with its reason", async () => {
    const path = fifo();
    const controller = new AbortController();
    const inspecting = inspectFileInProcess(path, controller.signal);
    expect(await eventually(() => checksOf(path).length === 1)).toBe(true);
    // Held inside its read: it answers nothing however long we wait for it.
    const early = await Promise.race([
      inspecting.then(
        () => "answered",
        () => "failed",
      ),
      Bun.sleep(300),
    ]);
    expect(early).toBeUndefined();
    controller.abort(new Error("an operation started"));
    expect((await rejectionOf(inspecting)).message).toBe("an operation started");
    expect(await eventually(() => checksOf(path).length === 0)).toBe(true);
  });

  test.skipIf(!linux)(
    "the app closing kills every check's process; an abort before the start starts none",
    async () => {
      const paths = [fifo(), fifo()];
      const inspecting = paths.map((path) => inspectFileInProcess(path, new AbortController().signal));
      expect(await eventually(() => paths.every((path) => checksOf(path).length === 1))).toBe(true);
      stopCheckProcesses(new Error("the app closes"));
      for (const pending of inspecting) expect((await rejectionOf(pending)).message).toBe("the app closes");
      expect(await eventually(() => paths.every((path) => checksOf(path).length === 0))).toBe(true);

      const path = fifo();
      const controller = new AbortController();
      controller.abort(new Error("already stopped"));
      expect((await rejectionOf(inspectFileInProcess(path, controller.signal))).message).toBe(
        "already stopped",
      );
      await Bun.sleep(200);
      expect(checksOf(path)).toEqual([]);
    },
  );

  test.skipIf(!linux)("a process killed by someone else is an error that says so, not a wait", async () => {
    const path = fifo();
    const inspecting = inspectFileInProcess(path, new AbortController().signal);
    expect(await eventually(() => checksOf(path).length === 1)).toBe(true);
    for (const pid of checksOf(path)) process.kill(pid, "SIGKILL");
    const error = await rejectionOf(inspecting);
    expect(error.message).toBe("the check's process ended without an answer (killed by SIGKILL)");
  });

  test.skipIf(!linux)(
    "a backup's check given a signal (background work) runs in a process; one without, in the thread",
    async () => {
      const path = fifo();
      const ctx = { folder: { pathOf: () => path } as unknown as BackupFolder, clock: () => new Date() };
      const record = { name: "held.db" } as ManifestRecord;
      const controller = new AbortController();
      const background = inspectRecord(ctx, record, controller.signal);
      expect(await eventually(() => checksOf(path).length === 1)).toBe(true);
      controller.abort(new Error("an operation started"));
      expect((await rejectionOf(background)).message).toBe("an operation started");
      expect(await eventually(() => checksOf(path).length === 0)).toBe(true);

      // Asked for by a person: in the worker thread, no process. Released by a writer's empty line.
      const asked = inspectRecord(ctx, record);
      await Bun.sleep(300);
      expect(checksOf(path)).toEqual([]);
      writeFileSync(path, "\n");
      expect((await asked).health).toBe("damaged");
    },
  );

  test.skipIf(!linux)(
    "the terminal's Ctrl+C does not end it (the app decides); the engine's stop does, as background work that made way",
    async () => {
      const path = fifo();
      const inspecting = inspectFileInProcess(path, new AbortController().signal);
      expect(await eventually(() => checksOf(path).length === 1)).toBe(true);
      const [pid] = checksOf(path);
      // Its listener may come a moment after the process does: SIGINT until it is surely installed.
      await Bun.sleep(300);
      process.kill(pid as number, "SIGINT");
      await Bun.sleep(300);
      expect(checksOf(path)).toEqual([pid as number]);

      const { engine } = makeSetup();
      engine.stopFollowUps();
      expect(await rejectionOf(inspecting)).toBeInstanceOf(BackgroundYieldedError);
      expect(await eventually(() => checksOf(path).length === 0)).toBe(true);
    },
  );

  test("run by hand without exactly one file (and at most its one option), it says how it is used and exits 2", () => {
    for (const args of [[], ["a.db", "b.db"], ["a.db", "--check-only", "x"]]) {
      const run = Bun.spawnSync([BUN, MAIN, INSPECT_PROCESS_ARG, ...args]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr.toString()).toBe("usage: one backup file to inspect [--check-only]\n");
      expect(run.stdout.toString()).toBe("");
    }
  });
});
