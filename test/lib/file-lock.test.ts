import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { BackupBusyError } from "../../src/backup/errors.ts";
import { OperationRunner } from "../../src/backup/operations/runner.ts";
import { acquireFileLock, LockHeldError } from "../../src/lib/files/file-lock.ts";
import { createLog } from "../../src/lib/log.ts";
import { BUN, ROOT, tempDir } from "../helpers.ts";

describe("file lock", () => {
  test("a second holder is refused with the holder's pid until the first releases", () => {
    const path = join(tempDir(), "app.lock");
    const first = acquireFileLock(path);
    let refused: unknown;
    try {
      acquireFileLock(path);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(LockHeldError);
    expect((refused as LockHeldError).pid).toBe(process.pid);
    first.release();
    const second = acquireFileLock(path);
    second.release();
    // Owner-only, as every file of the app.
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test("is held across processes and taken over once the holder is killed", async () => {
    const path = join(tempDir(), "app.lock");
    const script = `import { acquireFileLock } from ${JSON.stringify(join(ROOT, "src/lib/files/file-lock.ts"))};
      // Kept referenced: a lock handle that is dropped is garbage, and collecting it frees the lock.
      globalThis.heldLock = acquireFileLock(${JSON.stringify(path)}); console.log("locked"); setInterval(() => {}, 1000);`;
    const holder = Bun.spawn([BUN, "-e", script], { stdout: "pipe", stderr: "pipe" });
    let printed = "";
    const decoder = new TextDecoder();
    for await (const chunk of holder.stdout as ReadableStream<Uint8Array>) {
      printed += decoder.decode(chunk);
      if (printed.includes("locked")) break;
    }
    if (!printed.includes("locked"))
      throw new Error(`holder failed: ${await new Response(holder.stderr).text()}`);

    expect(() => acquireFileLock(path)).toThrow(LockHeldError);
    try {
      acquireFileLock(path);
    } catch (error) {
      expect((error as LockHeldError).pid).toBe(holder.pid);
    }

    holder.kill("SIGKILL");
    await holder.exited;
    // The pid file of the killed holder is still there; the lock is free all the same.
    const lock = acquireFileLock(path);
    lock.release();
  });

  test("an operation waits while another holder's work is background work, and is told busy at once otherwise", async () => {
    const dir = tempDir();
    const path = join(dir, "operation.lock");
    const runner = new OperationRunner({
      lockPath: path,
      log: createLog({ path: join(dir, "test.log"), echo: null }),
      clock: () => new Date(),
    });
    // Another holder's real operation: busy at once.
    const held = acquireFileLock(path);
    expect(await runner.run("test", async () => "ran").catch((e) => e)).toBeInstanceOf(BackupBusyError);
    held.release();
    // Another holder's background work (recording a check): waited for, then run.
    const background = acquireFileLock(path, { background: true });
    const refused = (() => {
      try {
        acquireFileLock(path);
      } catch (error) {
        return error as LockHeldError;
      }
    })();
    expect(refused?.background).toBe(true);
    let ran = false;
    const run = runner.run("test", async () => {
      ran = true;
      return "ran";
    });
    // Its first try was refused (synchronously): it waits, and runs once the lock is free.
    expect(ran).toBe(false);
    background.release();
    expect(await run).toBe("ran");
  });
});
