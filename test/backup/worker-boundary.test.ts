import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { isDiskFull } from "#runtime/errors.ts";
import { DiskFullError } from "../../src/backup/errors.ts";
import { ThreadPool } from "../../src/backup/inspect/thread-pool.ts";
import { runInWorker, snapshotInWorker } from "../../src/backup/inspect/worker-client.ts";
import { AppError } from "../../src/lib/errors.ts";
import { tempDir } from "../helpers.ts";
import type { RaiseRequest } from "./raising-worker.ts";

const RAISING = new URL("./raising-worker.ts", import.meta.url);
const raise = (what: RaiseRequest["raise"]) => runInWorker(RAISING, { raise: what } satisfies RaiseRequest);

type Failure = Error & { code?: string; [field: string]: unknown };
async function rejectionOf(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    return error as Failure;
  }
  throw new Error("expected the worker to fail");
}

describe("the worker boundary", () => {
  test("answers a request", async () => {
    expect(await raise("nothing")).toEqual({ answered: true });
  });

  test("a typed error of the worker arrives as the same class, with its code and message", async () => {
    const error = await rejectionOf(raise("disk-full"));
    expect(error).toBeInstanceOf(DiskFullError);
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("backup.no_space");
    expect(error.message).toBe(new DiskFullError().message);
    expect(error.name).toBe(new DiskFullError().name);
  });

  test("any other error arrives as an Error that keeps its name, code and fields", async () => {
    const error = await rejectionOf(raise("rate-limited"));
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("backup.rate_limited");
    expect(error.retryAfterSeconds).toBe(600);
    expect(error.message).toStartWith("You have started 12 manual backups");
  });

  test.skipIf(!existsSync("/dev/full"))("a full disk in the worker is still a full disk", async () => {
    const error = await rejectionOf(raise("no-space-on-device"));
    expect(error.code).toBe("ENOSPC");
    expect(isDiskFull(error)).toBe(true);
  });

  test("a worker that ends without answering, or cannot start, rejects instead of leaving the caller waiting", async () => {
    expect((await rejectionOf(raise("exit"))).message).toBe("the backup worker stopped without an answer");
    const broken = await rejectionOf(runInWorker(new URL("./broken-worker.ts", import.meta.url), {}));
    expect(broken.message).toContain("the backup worker failed");
    expect(broken.message).toContain("this worker cannot start");
  });

  test("SQLite's error from a real snapshot keeps its code, and no file is left", async () => {
    const dir = tempDir();
    const error = await rejectionOf(
      snapshotInWorker({ source: join(dir, "missing.db"), target: join(dir, "backup.db"), salvage: false }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("SQLITE_CANTOPEN");
    expect(error.name).toBe("SQLiteError");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a thread that answered, even with an error, takes the next task; one that ended or was given up is never used again", async () => {
    const first = await raise("thread");
    expect(await raise("thread")).toBe(first);
    await rejectionOf(raise("disk-full"));
    expect(await raise("thread")).toBe(first);
    // The thread at rest takes the task that ends it: the next task starts a new one.
    await rejectionOf(raise("exit"));
    const second = await raise("thread");
    expect(second).not.toBe(first);
    // A task given up ends its thread, which is busy with what was given up.
    const stop = new AbortController();
    const given = runInWorker(RAISING, { raise: "wait" } satisfies RaiseRequest, () => {}, stop.signal);
    stop.abort(new Error("given up"));
    expect((await rejectionOf(given)).message).toBe("given up");
    const third = await raise("thread");
    expect(third).not.toBe(second);
    expect(third).not.toBe(first);
  });

  test("a thread at rest ends after its idle time, and an idle pool keeps no thread", async () => {
    const pool = new ThreadPool(RAISING, 50);
    const answered = await new Promise<unknown>((resolve, reject) => {
      const pooled = pool.take({
        message: (data) => {
          pool.release(pooled);
          resolve(data);
        },
        error: reject,
        exit: () => reject(new Error("ended")),
      });
      pooled.thread.post({ raise: "thread" } satisfies RaiseRequest);
    });
    expect(answered).toMatchObject({ ok: true });
    expect(pool.resting).toBe(1);
    const deadline = Date.now() + 10_000;
    while (pool.resting > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pool.resting).toBe(0);
  });
});
