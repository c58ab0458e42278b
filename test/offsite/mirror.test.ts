import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { restoreBackup } from "../../src/app/restore/restore.ts";
import { BackupFolder } from "../../src/backup/catalog/folder.ts";
import { BackupBusyError, BackupUnusableError } from "../../src/backup/errors.ts";
import { inspectRecord, recordInspection } from "../../src/backup/operations/verify.ts";
import { acquireFileLock, type FileLock } from "../../src/lib/files/file-lock.ts";
import { tempNameFor } from "../../src/lib/files/temp-name.ts";
import { copyBackup } from "../../src/offsite/copies/copy.ts";
import { OffsiteLedger } from "../../src/offsite/copies/ledger.ts";
import { restoreFromOffsite } from "../../src/offsite/copies/restore.ts";
import { KEY_FILE, placeKey } from "../../src/offsite/crypto/keys.ts";
import { OffsiteError } from "../../src/offsite/errors.ts";
import { mirrorTarget } from "../../src/offsite/places/mirror.ts";
import { addItems, itemNames, recordFailedAutomaticBackup, sqliteShell } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { ageDecrypt } from "./age-cli.ts";
import { addMegabytes, offsiteSetup, sha256Of } from "./offsite-fixtures.ts";

const PASSPHRASE = "correct horse battery staple";

/** A shop with a mirror folder (and a passphrase when given) and one manual backup copied there. */
async function copiedShop(extra: Record<string, string> = {}) {
  const mirror = tempDir("business-app-mirror-");
  const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror, ...extra };
  const shop = offsiteSetup(env);
  addItems(shop.db, ["bread", "butter"]);
  const record = await shop.engine.createBackup({ kind: "manual", description: "for the mirror" });
  const [result] = await shop.offsite.syncNow();
  expect(result?.error).toBeNull();
  return { shop, mirror, env, record };
}

/** Overwrites a page of the file at `path` in place: same size, same time in the listing, other bytes. */
function damage(path: string): void {
  const bytes = readFileSync(path);
  bytes.fill(7, 4096, 8192);
  writeFileSync(path, bytes);
}

/** What a restore on a new PC left in its data folder, besides the log and the manifest. */
const leftIn = (dir: string) => readdirSync(dir).filter((n) => !["backup.log", "manifest.json"].includes(n));

describe("the mirror folder", () => {
  test("retention there follows offsite_keep_*: the newest of each of the last days stays; nothing goes while the last automatic backup failed", async () => {
    const mirror = tempDir("business-app-mirror-");
    const shop = offsiteSetup({
      BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror,
      BUSINESS_APP_OFFSITE_KINDS: "automatic",
      BUSINESS_APP_MAX_BACKUPS: "100",
      BUSINESS_APP_OFFSITE_MAX_BACKUPS: "1",
      BUSINESS_APP_OFFSITE_KEEP_DAILY: "2",
      BUSINESS_APP_OFFSITE_KEEP_WEEKLY: "0",
      BUSINESS_APP_OFFSITE_KEEP_MONTHLY: "0",
      BUSINESS_APP_OFFSITE_KEEP_YEARLY: "0",
    });
    const made: string[] = [];
    const times = [
      new Date(2025, 8, 22, 14),
      new Date(2025, 8, 23, 9),
      new Date(2025, 8, 23, 15),
      new Date(2025, 8, 24, 9),
    ];
    for (const when of times) {
      shop.clock.advance(when.getTime() - shop.clock().getTime());
      made.push((await shop.engine.createBackup({ kind: "automatic", createdBy: "scheduler" })).name);
      const [result] = await shop.offsite.syncNow();
      expect(result?.error).toBeNull();
    }
    const there = async () => (await shop.offsite.contents("mirror")).map((c) => c.name);
    // The newest (offsite_max_backups 1) and the newest of yesterday (offsite_keep_daily 2); all stay here.
    expect(await there()).toEqual([made[3] as string, made[2] as string]);
    expect(shop.engine.list()).toHaveLength(4);
    // The last automatic backup failed: the next run removes nothing there, though yesterday's is now too old.
    shop.clock.advance(86_400_000);
    recordFailedAutomaticBackup(shop.paths.backupsDir, shop.clock());
    await shop.offsite.syncNow();
    expect(await there()).toEqual([made[3] as string, made[2] as string]);
  });

  test("a plain copy keeps the backup's name and bytes", async () => {
    const { mirror, record } = await copiedShop();
    expect(readdirSync(mirror).sort()).toEqual([record.name, `${record.name}.json`]);
    expect(sha256Of(join(mirror, record.name))).toBe(record.sha256 as string);
  });

  test.skipIf(missing("sqlite3"))("a plain copy opens in sqlite3", async () => {
    const { mirror, record } = await copiedShop();
    expect(sqliteShell(join(mirror, record.name), "SELECT name FROM items")).toBe("bread\nbutter");
  });

  test.skipIf(missing("age"))(
    "an encrypted copy is NAME.age, to the place's key; Debian's age opens it to the same bytes with that key and the passphrase",
    async () => {
      const { mirror, record } = await copiedShop({ BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE });
      const copy = join(mirror, `${record.name}.age`);
      expect(readdirSync(mirror).sort()).toEqual([KEY_FILE, `${record.name}.age`, `${record.name}.age.json`]);
      // No key derivation per copy: it is encrypted to the place's X25519 key.
      expect(readFileSync(copy).subarray(0, 32).toString("latin1")).toStartWith(
        "age-encryption.org/v1\n-> X25519 ",
      );
      // The key itself is encrypted with the passphrase.
      expect(readFileSync(join(mirror, KEY_FILE)).subarray(0, 32).toString("latin1")).toStartWith(
        "age-encryption.org/v1\n-> scrypt ",
      );
      const out = join(tempDir(), "opened.db");
      const opened = await ageDecrypt(copy, out, PASSPHRASE, join(mirror, KEY_FILE));
      expect(opened.exitCode).toBe(0);
      expect(sha256Of(out)).toBe(record.sha256 as string);
      const wrong = await ageDecrypt(
        copy,
        join(tempDir(), "not.db"),
        "not the passphrase",
        join(mirror, KEY_FILE),
      );
      expect(wrong.exitCode).not.toBe(0);
    },
  );

  test("a wrong passphrase: a clear error, and nothing restored or left behind", async () => {
    const { env, record } = await copiedShop({ BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE });
    const newPc = offsiteSetup({ ...env, BUSINESS_APP_OFFSITE_PASSPHRASE: "not the passphrase at all" });
    newPc.db.close();
    const before = readFileSync(newPc.paths.database);
    const failure = await restoreFromOffsite(newPc.app, record.name, { by: "test" }).catch((e) => e);
    expect(failure).toBeInstanceOf(OffsiteError);
    expect(failure.code).toBe("offsite.wrong_passphrase");
    expect(failure.message).toBe(
      `the passphrase does not open ${KEY_FILE} in the mirror folder (offsite_passphrase is not the one it was encrypted with)`,
    );
    expect(leftIn(newPc.paths.backupsDir)).toEqual([]);
    expect(readFileSync(newPc.paths.database).equals(before)).toBe(true);
  });

  test("an encrypted copy restores with the right passphrase; a damaged one is refused", async () => {
    const { env, mirror, record } = await copiedShop({ BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE });
    const newPc = offsiteSetup(env);
    newPc.db.close();
    await restoreFromOffsite(newPc.app, record.name, { by: "test", from: "mirror" });
    expect(itemNames(newPc.paths.database)).toEqual(["bread", "butter"]);

    const copy = join(mirror, `${record.name}.age`);
    const bytes = readFileSync(copy);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 1;
    writeFileSync(copy, bytes);
    const another = offsiteSetup(env);
    const failure = await restoreFromOffsite(another.app, record.name, { by: "test" }).catch((e) => e);
    expect(failure.code).toBe("offsite.damaged");
    expect(leftIn(another.paths.backupsDir)).toEqual([]);
  });

  test("a file of the same name here that is another backup is never overwritten by a copy", async () => {
    const { env, record } = await copiedShop();
    const newPc = offsiteSetup(env);
    addItems(newPc.db, ["something else"]);
    const other = await newPc.engine.createBackup({ kind: "manual" });
    const mine = join(newPc.paths.backupsDir, record.name);
    writeFileSync(mine, readFileSync(join(newPc.paths.backupsDir, other.name)));
    const failure = await restoreFromOffsite(newPc.app, record.name, { by: "test" }).catch((e) => e);
    expect(failure.code).toBe("offsite.conflict");
    expect(sha256Of(mine)).toBe(other.sha256 as string);
  });

  test("a download is moved in only in the restore's own hold of the lock: busy, nothing is left", async () => {
    const { env, record } = await copiedShop();
    const newPc = offsiteSetup(env);
    newPc.db.close();
    const before = readFileSync(newPc.paths.database);
    // Another operation starts while the copy downloads, and still runs when it is done.
    let held: FileLock | null = null;
    const failure = await restoreFromOffsite(newPc.app, record.name, {
      by: "test",
      onDownload: () => {
        held ??= acquireFileLock(newPc.paths.operationLock);
      },
    }).catch((e) => e);
    (held as FileLock | null)?.release();
    expect(held).not.toBeNull();
    expect(failure).toBeInstanceOf(BackupBusyError);
    expect(leftIn(newPc.paths.backupsDir)).toEqual([]);
    expect(readFileSync(newPc.paths.database).equals(before)).toBe(true);

    // Once it is free, the same restore works.
    await restoreFromOffsite(newPc.app, record.name, { by: "test" });
    expect(itemNames(newPc.paths.database)).toEqual(["bread", "butter"]);
  });

  test("a copy sealed in the worker that reads back otherwise than it was written is removed, and said damaged", async () => {
    const { mirror, shop, record, ledger, target: real, key } = await encryptedMirrorShop(2);
    // What another program changing the file as it was flushed would make the read-back say.
    const sealFile = real.sealFile as NonNullable<typeof real.sealFile>;
    const target: typeof real = {
      ...real,
      sealFile: async (...args) => {
        const sealed = await sealFile(...args);
        return { ...sealed, stored: { ...sealed.stored, sha256: "0".repeat(64) } };
      },
    };
    const failure = await copyBackup({
      target,
      record: record as typeof record & { sha256: string },
      path: join(shop.paths.backupsDir, record.name),
      key,
      ledger,
      clock: shop.clock,
    }).catch((e) => e);
    expect(failure.code).toBe("offsite.damaged");
    expect(failure.message).toBe(
      `the copy of ${record.name} reads back differently than it was written (${mirror}: it was removed)`,
    );
    expect(readdirSync(mirror)).toEqual([KEY_FILE]);
  });

  test("an interrupted copy is never listed; the next run clears what it left, and only that", async () => {
    const { mirror, shop, record, ledger, target, key } = await encryptedMirrorShop(4);
    const abort = new AbortController();
    const copying = copyBackup({
      target,
      record: record as typeof record & { sha256: string },
      path: join(shop.paths.backupsDir, record.name),
      key,
      ledger,
      clock: shop.clock,
      signal: abort.signal,
      onProgress: (bytes) => bytes > 1024 * 1024 && abort.abort(),
    });
    expect(await copying.catch((e) => e.name)).toBe("AbortError");
    expect(readdirSync(mirror)).toEqual([KEY_FILE]);
    // What a process killed at that moment leaves: its temporary file, a copy whose sidecar was
    // never written; and beside them a file of someone else's.
    const temp = tempNameFor(`${record.name}.age`, "offsite");
    expect(Object.keys(ledger.record().writing).sort()).toEqual(
      [`${record.name}.age`, `${record.name}.age.json`, temp].sort(),
    );
    writeFileSync(join(mirror, temp), "half");
    writeFileSync(join(mirror, `${record.name}.age`), "not all of it");
    writeFileSync(join(mirror, ".someone-elses.tmp"), "theirs");
    expect(await shop.offsite.contents("mirror")).toEqual([]);
    await shop.offsite.syncNow();
    expect(readdirSync(mirror).sort()).toEqual(
      [".someone-elses.tmp", KEY_FILE, `${record.name}.age`, `${record.name}.age.json`].sort(),
    );
    expect(ledger.record().writing).toEqual({});
    expect(shop.offsite.status()?.targets[0]?.foreignObjects).toBe(1);
  });

  test("a local backup missing or damaged here is restored from its copy", async () => {
    const { shop, record } = await copiedShop();
    // The new backup's full check runs in the background; the damage below comes after it.
    await shop.engine.settled();
    addItems(shop.db, ["later"]);
    const path = join(shop.paths.backupsDir, record.name);
    damage(path);
    const result = await restoreBackup(shop.app, { name: record.name, by: "boss" });
    expect(result.restoredFrom).toBe(record.name);
    expect(itemNames(shop.db)).toEqual(["bread", "butter"]);
    expect(sha256Of(path)).toBe(record.sha256 as string);
    expect(await shop.readLog()).toContain(
      `WARNING - Backup ${record.name} is not usable here; restoring it from its off-site copy`,
    );
  });

  test("a check that read a backup before it was damaged never lists it verified again: its copy is restored", async () => {
    const { shop, record } = await copiedShop();
    await shop.engine.settled();
    const folder = new BackupFolder(shop.paths.backupsDir, shop.log, { timeoutMs: 5000 });
    const path = join(shop.paths.backupsDir, record.name);
    // What a busy PC does: the background full check reads the backup as it was made …
    const inspected = await inspectRecord({ folder, clock: shop.clock }, record);
    // … the file is damaged, and a restore finds it so …
    damage(path);
    const failure = await shop.engine.restore(record.name, { by: "boss" }).catch((e) => e);
    expect(failure).toBeInstanceOf(BackupUnusableError);
    expect(shop.engine.find(record.name).health).toBe("damaged");
    // … and only then the check takes the lock to record what it read.
    const lock = acquireFileLock(shop.paths.operationLock);
    try {
      await recordInspection({ folder, log: shop.log }, inspected, record);
    } finally {
      lock.release();
    }
    expect(shop.engine.find(record.name).health).toBe("damaged");
    const result = await restoreBackup(shop.app, { name: record.name, by: "boss", from: "mirror" });
    expect(result.restoredFrom).toBe(record.name);
    expect(sha256Of(path)).toBe(record.sha256 as string);
  });

  test("a backup here damaged after its full check: restoring it from the mirror folder restores the copy", async () => {
    const { shop, record } = await copiedShop();
    await shop.engine.settled();
    expect(shop.engine.find(record.name).fullCheck?.sha256).toBe(record.sha256 as string);
    addItems(shop.db, ["later"]);
    const path = join(shop.paths.backupsDir, record.name);
    damage(path);
    const result = await restoreBackup(shop.app, { name: record.name, by: "boss", from: "mirror" });
    expect(result.restoredFrom).toBe(record.name);
    expect(itemNames(shop.db)).toEqual(["bread", "butter"]);
    expect(sha256Of(path)).toBe(record.sha256 as string);
    expect(await shop.readLog()).toContain(
      `WARNING - Backup ${record.name} here is damaged; restoring its off-site copy instead`,
    );
  });
});

/**
 * A shop with `megabytes` of rows, one manual backup, the mirror folder as its encrypted place and
 * the place's key made: what a copy of that backup is written with.
 */
async function encryptedMirrorShop(megabytes: number) {
  const mirror = tempDir("business-app-mirror-");
  const shop = offsiteSetup({
    BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror,
    BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE,
  });
  addMegabytes(shop.db, megabytes);
  const record = await shop.engine.createBackup({ kind: "manual" });
  const ledger = new OffsiteLedger(shop.paths.offsiteLedger).place(`mirror ${mirror}`);
  const target = mirrorTarget(mirror, ledger, { answerMs: 5000, idleMs: 5000 });
  const key = await placeKey(target, PASSPHRASE, {
    known: { pinned: null, encrypted: false },
    encryptedCopies: [],
    remember: (recipient) =>
      ledger.change((r) => {
        r.key = recipient;
      }),
    clock: shop.clock,
  });
  return { mirror, shop, record, ledger, target, key };
}
