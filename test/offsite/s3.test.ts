import { afterAll, beforeAll, test as bunTest, describe, expect } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { restoreFromOffsite } from "../../src/offsite/copies/restore.ts";
import type { OffsiteError } from "../../src/offsite/errors.ts";
import { offsiteSentence } from "../../src/views/offsite/offsite-sentence.ts";
import { addItems, itemNames } from "../backup/fixtures.ts";
import { missing } from "../tools.ts";
import { addMegabytes, offsiteSetup, sha256Of } from "./offsite-fixtures.ts";
import { startRealS3 } from "./rgw.ts";
import { startS3Server } from "./s3rver.ts";

/** A bucket of an S3 service the suite runs against: s3rver, and a real one (Ceph's RADOS Gateway). */
interface Service {
  env(extra?: Record<string, string>): Record<string, string>;
  stop(): unknown;
}

const SERVICES: [string, () => Promise<Service>, boolean][] = [
  ["s3rver on loopback, signatures checked", () => startS3Server(), false],
  ["Ceph's RADOS Gateway on loopback: a real S3 service", () => startRealS3(), missing("rgw")],
];

describe.each(SERVICES)("copies to S3 (%s)", (label, start, skip) => {
  let s3: Service;
  beforeAll(async () => {
    if (!skip) s3 = await start();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  /** Each test in a folder of the bucket of its own. */
  let folders = 0;
  const inFolder = (extra: Record<string, string> = {}) =>
    s3.env({ BUSINESS_APP_OFFSITE_S3_PREFIX: `test${++folders}/`, ...extra });
  const test = skip ? bunTest.skip : bunTest;

  test("a 48 MB backup goes up in parts, reads back whole, and restores on another PC", async () => {
    const env = inFolder();
    const shop = offsiteSetup(env);
    addItems(shop.db, ["apples", "pears"]);
    addMegabytes(shop.db, 48);
    const record = await shop.engine.createBackup({ kind: "manual", description: "big" });
    expect(record.size).toBeGreaterThan(48 * 1024 * 1024);
    const [result] = await shop.offsite.syncNow();
    expect(result?.error).toBeNull();
    const [copy] = await shop.offsite.contents("s3");
    expect(copy).toMatchObject({
      name: record.name,
      size: record.size,
      sha256: record.sha256,
      encrypted: false,
    });

    const newPc = offsiteSetup(env);
    newPc.db.close();
    const restored = await restoreFromOffsite(newPc.app, record.name, { by: "test", from: "s3" });
    expect(restored.restoredFrom).toBe(record.name);
    expect(sha256Of(join(newPc.paths.backupsDir, record.name))).toBe(record.sha256 as string);
    expect(itemNames(newPc.paths.database).slice(0, 2)).toEqual(["apples", "pears"]);
  });

  test("wrong keys and a missing bucket: a clear reason, counted, shown, and nothing copied", async () => {
    const cases: [Record<string, string>, string, string][] = [
      [
        { BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY: "not-the-secret-at-all" },
        "offsite.access_denied",
        "access denied",
      ],
      [{ BUSINESS_APP_OFFSITE_S3_ACCESS_KEY_ID: "nobody" }, "offsite.access_denied", "access denied"],
      [
        { BUSINESS_APP_OFFSITE_S3_BUCKET: "no-such-bucket" },
        "offsite.no_bucket",
        "the bucket does not exist",
      ],
    ];
    for (const [wrong, code, reason] of cases) {
      const env = inFolder(wrong);
      const shop = offsiteSetup(env);
      await shop.engine.createBackup({ kind: "manual" });
      const [tried] = await shop.offsite.test();
      expect(tried).toMatchObject({ ok: false, target: "s3" });
      expect(tried?.message).toStartWith(reason as string);
      const [result] = await shop.offsite.syncNow();
      expect(result?.error?.code).toBe(code as OffsiteError["code"]);
      const status = shop.offsite.status();
      expect(status).toMatchObject({
        failingSince: shop.clock().toISOString(),
        lastError: `${reason} (S3)`,
        failedRuns: 1,
      });
      expect(offsiteSentence(status, shop.clock())?.text).toBe(
        `Off-site copies are failing since 14:00: ${reason}.`,
      );
      expect(await shop.readLog()).toContain(`ERROR - Off-site copy to S3 failed: ${reason}`);
      // Nothing was written: with the right keys its folder is empty.
      const right = offsiteSetup(
        s3.env({ BUSINESS_APP_OFFSITE_S3_PREFIX: env.BUSINESS_APP_OFFSITE_S3_PREFIX as string }),
      );
      expect(await right.offsite.contents("s3")).toEqual([]);
    }
  });

  // s3rver only: it can be made to die in the middle of an upload.
  if (!label.startsWith("Ceph"))
    test("the server stops in the middle of an upload: no copy is listed, and the retry after its restart copies it", async () => {
      const dying = await startS3Server({ dieAfterBytes: 12 * 1024 * 1024 });
      try {
        const shop = offsiteSetup(dying.env(), { timers: true });
        addMegabytes(shop.db, 24);
        shop.offsite.start();
        await shop.offsite.idle();
        const record = await shop.engine.createBackup({ kind: "manual" });
        await shop.offsite.idle();
        expect(await dying.exited()).not.toBe(0);
        const failing = shop.offsite.status();
        expect(failing?.failingSince).not.toBeNull();
        expect(failing?.retryAt).toBe(new Date(shop.clock().getTime() + 60_000).toISOString());

        await dying.restart();
        expect(await shop.offsite.contents("s3")).toEqual([]);
        await shop.timers?.advance(60_000);
        await shop.offsite.idle();
        const [copy] = await shop.offsite.contents("s3");
        expect(copy).toMatchObject({ name: record.name, sha256: record.sha256 });
        expect(shop.offsite.status()).toMatchObject({ failingSince: null, lastError: null, retryAt: null });
        await shop.offsite.stop();
      } finally {
        await dying.stop();
      }
    });

  test("retention there keeps the newest copies, and a copy that failed removes none", async () => {
    const shop = offsiteSetup(
      inFolder({ BUSINESS_APP_OFFSITE_MAX_BACKUPS: "2", BUSINESS_APP_OFFSITE_KINDS: "automatic" }),
    );
    const made = [];
    for (let i = 0; i < 3; i++) {
      addItems(shop.db, [`day ${i}`]);
      made.push(await shop.engine.createBackup({ kind: "automatic", createdBy: "scheduler" }));
      await shop.offsite.syncNow();
      shop.clock.advance(60_000);
    }
    const newest = made
      .slice(1)
      .map((r) => r.name)
      .reverse();
    expect((await shop.offsite.contents("s3")).map((c) => c.name)).toEqual(newest);
    expect(await shop.readLog()).toContain(`Removed old off-site copy: ${made[0]?.name} from S3`);

    // A newer backup whose file changed since it was made is not copied, and costs no copy there.
    const broken = await shop.engine.createBackup({ kind: "automatic", createdBy: "scheduler" });
    const path = join(shop.paths.backupsDir, broken.name);
    const bytes = readFileSync(path);
    bytes[5000] = (bytes[5000] as number) ^ 0xff;
    writeFileSync(path, bytes);
    const [result] = await shop.offsite.syncNow();
    expect(result?.error).toBeNull();
    expect((await shop.offsite.contents("s3")).map((c) => c.name)).toEqual(newest);
    expect(await shop.readLog()).toContain(
      `WARNING - Off-site copy of ${broken.name} skipped: the backup ${broken.name} changed since it was made`,
    );
  });
});
