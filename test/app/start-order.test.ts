import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase, startServices } from "../../src/app/lifecycle.ts";
import { createApp } from "../../src/app.ts";
import type { BackgroundPiece } from "../../src/backup/index.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { acquireFileLock } from "../../src/lib/files/file-lock.ts";
import { tempDir } from "../helpers.ts";

/**
 * At start, continuous protection's first base goes before the background work (the startup
 * backup's full check, the checks of new files, off-site copies): two readers of the whole
 * database at once slowed both and kept the app from answering. The work waits, then runs.
 */

function shopWithRows(dir: string): void {
  const handle = new DatabaseHandle(join(dir, "business_data.db"));
  handle.open();
  handle.sqlite.run("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
  const insert = handle.sqlite.prepare("INSERT INTO notes (body) VALUES (?)");
  for (let i = 0; i < 2000; i++) insert.run(`note ${i} ${"x".repeat(200)}`);
  handle.close();
}

/** Waits (bounded) until the startup backup is listed, then says it is the only backup. */
async function startupListed(app: ReturnType<typeof appOn>): Promise<void> {
  for (let look = 0; look < 2000 && !app.engine.list().some((r) => r.kind === "startup"); look++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(app.engine.list().map((r) => r.kind)).toEqual(["startup"]);
}

/** A shop's app started with no startup-time answer ever coming: its wait is `waitMs`. */
async function startedUnanswered(waitMs: number) {
  const dir = tempDir();
  shopWithRows(dir);
  const app = appOn(dir, false);
  const never = new Promise<void>(() => {});
  const services = startServices(app, await openDatabase(app), {
    firstAnswer: never,
    firstAnswerWaitMs: waitMs,
  });
  return { app, services };
}

function appOn(dir: string, continuous: boolean, startupBackup = true) {
  return createApp(
    {
      flags: { data_dir: dir },
      env: {
        BUSINESS_APP_CONTINUOUS_PROTECTION: String(continuous),
        BUSINESS_APP_STARTUP_BACKUP: String(startupBackup),
      },
      appDir: dir,
      cwd: dir,
    },
    { echo: null },
  );
}

describe("the order of the work at start", () => {
  test("continuous protection on, no startup backup: the quick check of the database (background work itself) is not held, then the chain starts", async () => {
    const dir = tempDir();
    shopWithRows(dir);
    const app = appOn(dir, true, false);
    const services = startServices(app, await openDatabase(app));
    try {
      for (let look = 0; look < 2000 && !(app.engine.health.current && app.continuous.active); look++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(app.engine.health.current?.ok).toBe(true);
      expect(app.continuous.active).toBe(true);
      expect(app.engine.list().filter((r) => r.kind === "startup")).toEqual([]);
    } finally {
      await services.stop();
    }
  });

  for (const continuous of [true, false]) {
    test(`continuous protection ${continuous ? "on: its first chain comes before the startup backup's full check" : "off: the full check follows the startup backup at once"}`, async () => {
      const dir = tempDir();
      shopWithRows(dir);
      const app = appOn(dir, continuous);
      // What runs in the background the moment continuous protection starts.
      const seen: { running: BackgroundPiece[] | null } = { running: null };
      const start = app.continuous.start.bind(app.continuous);
      app.continuous.start = () => {
        seen.running ??= app.engine.checks.running();
        return start();
      };
      const services = startServices(app, await openDatabase(app));
      try {
        // The startup backup, then (with continuous protection) its chain, then its full check.
        for (let look = 0; look < 2000; look++) {
          const startup = app.engine.list().find((r) => r.kind === "startup");
          if (startup?.fullCheck && (!continuous || app.continuous.active)) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await app.engine.settled();
        const startup = app.engine.list().find((r) => r.kind === "startup");
        expect(startup?.health).toBe("verified");
        expect(startup?.fullCheck?.sha256).toBe(startup?.sha256 as string);
        if (continuous) {
          expect(app.continuous.active).toBe(true);
          expect(seen.running).toEqual([]);
        } else expect(seen.running).toBeNull();
      } finally {
        await services.stop();
      }
    });
  }

  test("the startup backup begins once the server has answered its first request, not before", async () => {
    const dir = tempDir();
    shopWithRows(dir);
    const app = appOn(dir, false);
    let answer = () => {};
    const firstAnswer = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const services = startServices(app, await openDatabase(app), { firstAnswer, firstAnswerWaitMs: 60_000 });
    try {
      // Unanswered: the app goes on (its timers run) and no backup begins.
      for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(app.engine.list()).toEqual([]);
      expect(app.engine.checks.running()).toEqual([]);
      answer();
      await startupListed(app);
    } finally {
      await services.stop();
    }
  });

  test("an operation of another process holding the lock when it begins: it is tried again, and made once that one has ended", async () => {
    const dir = tempDir();
    shopWithRows(dir);
    const app = appOn(dir, false);
    // This test plays the other process: it holds the operation lock, as a running restore does.
    const held = acquireFileLock(join(dir, ".business-app.operation.lock"));
    const tries: number[] = [];
    const create = app.engine.createBackup.bind(app.engine);
    app.engine.createBackup = (...args: Parameters<typeof create>) => {
      tries.push(Date.now());
      return create(...args);
    };
    const services = startServices(app, await openDatabase(app), {
      firstAnswer: Promise.resolve(),
      firstAnswerWaitMs: 60_000,
    });
    try {
      // Refused while held, then tried again (a second apart), still held.
      for (let look = 0; look < 2000 && tries.length < 2; look++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(tries.length).toBeGreaterThanOrEqual(2);
      expect(app.engine.list()).toEqual([]);
      held.release();
      await startupListed(app);
      expect(readFileSync(join(dir, "database_backups", "backup.log"), "utf8")).not.toContain("ERROR");
    } finally {
      held.release();
      await services.stop();
    }
  });

  test("with no answer at all (nobody opened the page), it begins after the wait", async () => {
    const { app, services } = await startedUnanswered(50);
    try {
      await startupListed(app);
    } finally {
      await services.stop();
    }
  });

  test("a stop while it waits for the first answer makes the startup backup first; a stop in a hurry makes none", async () => {
    for (const hurry of [false, true]) {
      const { app, services } = await startedUnanswered(60_000);
      await services.stop({ hurry });
      expect(app.engine.list().map((r) => r.kind)).toEqual(hurry ? [] : ["startup"]);
      expect(readFileSync(app.paths.log, "utf8")).not.toContain("ERROR");
    }
  });
});
