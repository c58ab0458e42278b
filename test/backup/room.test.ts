import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { fileSize, spaceNeeded } from "../../src/backup/catalog/space.ts";
import {
  BackupBusyError,
  NoRoomForAutomaticBackupError,
  NotEnoughSpaceError,
  TooManyManualBackupsError,
} from "../../src/backup/errors.ts";
import { acquireFileLock } from "../../src/lib/files/file-lock.ts";
import { addItems, makeSetup, manualClock } from "./fixtures.ts";

describe("room for automatic backups", () => {
  test("a manual backup that would leave too little room for the next automatic one is refused; the automatic one is taken", async () => {
    let database = "";
    const size = () => fileSize(database) + fileSize(`${database}-wal`);
    // Room for one backup and a half: enough for the automatic backup, not for a manual one too.
    const { engine, paths, db, readLog } = makeSetup({
      freeSpace: () => Math.floor(spaceNeeded(size()) * 1.5),
    });
    database = paths.database;
    addItems(db, ["apples", "pears"]);

    const error = await engine.createBackup({ kind: "manual", createdBy: "ann" }).catch((e) => e);
    expect(error).toBeInstanceOf(NoRoomForAutomaticBackupError);
    expect(error.code).toBe("backup.no_space");
    expect(error.message).toMatch(
      /^not enough disk space to keep room for the next automatic backup \(needs \d+(\.\d)? MB, \d+(\.\d)? MB free\)$/,
    );
    expect(await readLog()).toContain(`ERROR - Failed to create backup: ${error.message}`);
    expect(readdirSync(paths.backupsDir).filter((f) => f.endsWith(".db") || f.includes(".tmp"))).toEqual([]);

    const automatic = await engine.createBackup({ kind: "automatic", createdBy: "scheduler" });
    expect(automatic.health).toBe("verified");
  });

  test("with no room for even one backup, every kind is refused as before", async () => {
    const { engine } = makeSetup({ freeSpace: () => 1024 });
    for (const kind of ["manual", "automatic"] as const) {
      expect(await engine.createBackup({ kind }).catch((e) => e)).toBeInstanceOf(NotEnoughSpaceError);
    }
  });
});

describe("hourly limit of manual backups", () => {
  test("the limit counts started backups per person, not busy refusals, and frees up as the hour passes", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const { engine, paths, readLog } = makeSetup({
      clock,
      env: { BUSINESS_APP_MANUAL_BACKUPS_PER_HOUR: "3" },
    });
    const web = (who: string) => ({ kind: "manual" as const, createdBy: who, rateLimited: true });

    // Refused as busy: does not count.
    const lock = acquireFileLock(paths.operationLock);
    const busy = await engine.createBackup(web("ann")).catch((e) => e);
    lock.release();
    expect(busy).toBeInstanceOf(BackupBusyError);

    await engine.createBackup(web("ann"));
    clock.advance(10 * 60_000);
    await engine.createBackup(web("ann"));
    await engine.createBackup(web("ann"));
    const refused = await engine.createBackup(web("ann")).catch((e) => e);
    expect(refused).toBeInstanceOf(TooManyManualBackupsError);
    expect(refused.code).toBe("backup.rate_limited");
    // The first of the three leaves the hour 50 minutes from now.
    expect(refused.retryAfterSeconds).toBe(50 * 60);
    expect(refused.message).toBe(
      "You have started 3 manual backups within the last hour, the most allowed. Try again in 50 minutes.",
    );
    // Nothing was started, so nothing is logged as a failure or shown as the last error.
    expect(await readLog()).not.toContain("manual backups within the last hour");
    expect(engine.lastError).toBeNull();

    // Other people, and the command line (not rate-limited), are not held back.
    await engine.createBackup(web("bob"));
    await engine.createBackup({ kind: "manual", createdBy: "command line (root)" });
    expect(engine.list()).toHaveLength(5);

    clock.advance(50 * 60_000 - 1000);
    expect((await engine.createBackup(web("ann")).catch((e) => e)).retryAfterSeconds).toBe(1);
    clock.advance(1000);
    expect((await engine.createBackup(web("ann"))).health).toBe("verified");
    expect(await engine.createBackup(web("ann")).catch((e) => e)).toBeInstanceOf(TooManyManualBackupsError);
    expect(readdirSync(paths.backupsDir).filter((f) => f.endsWith(".db"))).toHaveLength(6);
  });
});
