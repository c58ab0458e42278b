import { describe, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { passedFullCheck } from "../../src/backup/catalog/manifest.ts";
import { BackupUnusableError } from "../../src/backup/errors.ts";
import { acquireFileLock } from "../../src/lib/files/file-lock.ts";
import { mountTmpfs } from "../faults/fault-helpers.ts";
import { missing } from "../tools.ts";
import { addItems, itemNames, makeSetup } from "./fixtures.ts";

/** The bytes of a file's header that say its journal mode: 1 rollback journal, 2 WAL. */
const journalBytes = (path: string) => [...readFileSync(path).subarray(18, 20)];

describe("a restore in about the time of a copy", () => {
  test("a new backup gets its full check in the background; restoring it then needs no second one", async () => {
    const { engine, db, paths } = makeSetup();
    addItems(db, ["apples"]);
    const made = await engine.createBackup({ kind: "manual" });
    // Listed verified at once (quick check and hash); the full check follows once the app answers.
    expect(made.health).toBe("verified");
    expect(passedFullCheck(made)).toBe(false);
    await engine.settled();
    const checked = engine.find(made.name);
    expect(passedFullCheck(checked)).toBe(true);
    expect(checked.fullCheck?.sha256).toBe(made.sha256 as string);

    addItems(db, ["pears"]);
    const result = await engine.restore(made.name, { by: "anna" });
    expect(itemNames(db)).toEqual(["apples"]);
    // The full check recorded before is the one the restore relied on: no new check time.
    expect(engine.find(made.name).checkedAt).toBe(checked.checkedAt);
    expect(readFileSync(paths.log, "utf8")).toContain(`safety backup: ${result.safetyBackup}`);
  });

  test("once the app stops, what would follow a backup takes the lock no more: nothing removed or recorded, the lock free", async () => {
    const { engine, db, paths } = makeSetup({ env: { BUSINESS_APP_MAX_MANUAL_BACKUPS: "1" } });
    addItems(db, ["apples"]);
    const first = await engine.createBackup({ kind: "manual" });
    await engine.settled();
    engine.stopFollowUps();
    const made = await engine.createBackup({ kind: "manual" });
    await engine.settled();
    // Neither the old backup's removal nor the full check ran; a restore would check it then.
    expect(engine.list().map((r) => r.name)).toEqual([made.name, first.name]);
    expect(passedFullCheck(engine.find(made.name))).toBe(false);
    // The lock is free: taking it does not throw LockHeldError.
    acquireFileLock(paths.operationLock).release();
  });

  test("bytes changed after the full check (same size) are caught by the copy's hash: refused, listed damaged, nothing changed", async () => {
    const { engine, db, paths } = makeSetup();
    addItems(db, ["apples"]);
    const made = await engine.createBackup({ kind: "manual" });
    await engine.settled();
    expect(passedFullCheck(engine.find(made.name))).toBe(true);
    // One byte of the last page changes, the size stays: only the hash can tell.
    const file = join(paths.backupsDir, made.name);
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    addItems(db, ["pears"]);

    const error = await engine.restore(made.name).catch((e) => e);
    expect(error).toBeInstanceOf(BackupUnusableError);
    expect((error as Error).message).toContain("its content changed after it was checked (SHA-256 differs)");
    expect(itemNames(db)).toEqual(["apples", "pears"]);
    expect(engine.find(made.name).health).toBe("damaged");
    expect(engine.list().filter((r) => r.kind === "pre_restore")).toEqual([]);
  });

  test("the replaced database itself becomes the safety backup: the same bytes, switched to rollback-journal mode, then checked", async () => {
    const { engine, db, paths } = makeSetup();
    addItems(db, ["apples"]);
    const made = await engine.createBackup({ kind: "manual" });
    addItems(db, ["pears", "plums"]);
    expect(journalBytes(paths.database)).toEqual([2, 2]);

    const result = await engine.restore(made.name);
    const safety = join(paths.backupsDir, result.safetyBackup as string);
    expect(journalBytes(safety)).toEqual([1, 1]);
    expect(itemNames(safety)).toEqual(["apples", "pears", "plums"]);
    expect(statSync(safety).mode & 0o777).toBe(0o600);
    // Listed at once, checked once the app answers again.
    await engine.settled();
    const record = engine.find(result.safetyBackup as string);
    expect(record.health).toBe("verified");
    expect(passedFullCheck(record)).toBe(true);
    expect(engine.health.current).toMatchObject({ ok: true });
  });

  test.skipIf(missing("tmpfs"))(
    "where the backup folder is another file system (no hard link), the safety backup is a snapshot",
    async () => {
      const { engine, db, paths } = makeSetup();
      const unmount = mountTmpfs(paths.backupsDir, "64m");
      try {
        addItems(db, ["apples"]);
        const made = await engine.createBackup({ kind: "manual" });
        addItems(db, ["pears"]);
        const result = await engine.restore(made.name);
        expect(itemNames(db)).toEqual(["apples"]);
        const record = engine.find(result.safetyBackup as string);
        // Made and checked as every backup is, before the swap.
        expect(record.health).toBe("verified");
        expect(itemNames(join(paths.backupsDir, record.name))).toEqual(["apples", "pears"]);
      } finally {
        await engine.settled();
        unmount();
      }
    },
  );
});
