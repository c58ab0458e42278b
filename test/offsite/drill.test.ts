import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describePlaceDrill, placeDrillSentence } from "../../src/app/drill-words.ts";
import { acquireFileLock } from "../../src/lib/files/file-lock.ts";
import { savesSettled } from "../../src/lib/files/fs-sync.ts";
import { OFFSITE_DRILL_FILE, readPlaceDrills } from "../../src/offsite/drills/drill-record.ts";
import { addItems, itemNames, makeSetup, manualClock } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";
import { fakeTimers } from "../scheduler/fake-timers.ts";
import { offsiteSetup, sha256Of } from "./offsite-fixtures.ts";
import { type S3Server, startS3Server } from "./s3rver.ts";

const PASSPHRASE = "correct horse battery staple";
const FIVE = ["flour", "sugar", "salt", "yeast", "milk"];

type Shop = ReturnType<typeof offsiteSetup>;

/** A shop with five items, one fully checked backup of them, and its copy in every place `env` sets up. */
async function copiedShop(env: Record<string, string>) {
  const shop = offsiteSetup(env);
  addItems(shop.db, FIVE);
  const record = await shop.engine.createBackup({ kind: "manual", description: "five items" });
  await shop.engine.settled();
  const results = await shop.offsite.syncNow();
  for (const r of results) expect(r.error).toBeNull();
  return { shop, record };
}

/** The backup folder's files, hidden ones included, with the bytes of each. */
const snapshot = (shop: Shop) =>
  Object.fromEntries(
    readdirSync(shop.paths.backupsDir)
      .filter((n) => ![OFFSITE_DRILL_FILE, "backup.log", "alerts.json", "offsite.json"].includes(n))
      .map((n) => [n, sha256Of(join(shop.paths.backupsDir, n))]),
  );

/** `snapshot` once the saves on their way (the alerts', the passphrase's) have landed. */
async function settledSnapshot(shop: Shop) {
  await savesSettled();
  return snapshot(shop);
}

const alertIds = (shop: Shop) => shop.app.alerts.refresh().map((a) => a.id);

describe("off-site drill of the mirror folder", () => {
  const mirror = tempDir("business-app-mirror-");
  const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror, BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE };
  let shop: Shop;
  let name: string;
  beforeAll(async () => {
    const made = await copiedShop(env);
    shop = made.shop;
    name = made.record.name;
  });

  test("the newest encrypted copy is downloaded, decrypted, fully checked and counted; recorded and shown", async () => {
    addItems(shop.db, ["made after the backup"]);
    const liveBefore = itemNames(shop.db);
    await savesSettled();
    const before = snapshot(shop);
    const result = await shop.app.offsiteDrills.drill("mirror");
    expect(result).toMatchObject({
      place: "mirror",
      label: "the mirror folder",
      where: mirror,
      ok: true,
      reason: null,
      backup: name,
      rows: FIVE.length,
      countsCompared: true,
    });
    expect(result.tables).toBeGreaterThanOrEqual(3);
    expect(result.noCopy).toBeUndefined();
    expect(describePlaceDrill(result)).toBe(
      `Off-site drill of the mirror folder (${mirror}) passed: its copy of ${name} was downloaded into a temporary file, restored, opened with this version's migrations, passed integrity_check, and holds the 5 rows in ${result.tables} tables recorded when it was made (${(result.durationMs / 1000).toFixed(1)} s).`,
    );
    // Nothing here changed, and nothing was left behind (no hidden file either).
    expect(await settledSnapshot(shop)).toEqual(before);
    expect(itemNames(shop.db)).toEqual(liveBefore);
    expect(readPlaceDrills(shop.paths.backupsDir).mirror).toEqual(result);
    // drill.json, the local drill's file, is not touched by it.
    expect(existsSync(join(shop.paths.backupsDir, "drill.json"))).toBe(false);
    const [place] = shop.app.offsiteDrills.status();
    expect(place?.last).toEqual(result);
    expect(placeDrillSentence(place as NonNullable<typeof place>, shop.clock())).toBe(
      `Off-site drill (Mirror folder): passed just now with ${name}.`,
    );
    expect(await shop.readLog()).toContain(
      `INFO - Off-site drill of the mirror folder passed: its copy of ${name} was downloaded`,
    );
    expect(alertIds(shop)).not.toContain("offsite_drill_failed");
  });

  test("a damaged copy fails with the reason and raises an alert; nothing here changes; a good copy clears it", async () => {
    const copy = join(mirror, `${name}.age`);
    const good = readFileSync(copy);
    const bad = Buffer.from(good);
    for (let i = 0; i < 16; i++) bad[bad.length - 300 - i] = (bad[bad.length - 300 - i] as number) ^ 0xff;
    writeFileSync(copy, bad);
    await savesSettled();
    const before = snapshot(shop);
    try {
      const result = await shop.app.offsiteDrills.drill("mirror");
      expect(result).toMatchObject({ ok: false, backup: name, place: "mirror" });
      expect(result.reason).toBe(`${name}.age is damaged (it is not an intact age file)`);
      expect(await settledSnapshot(shop)).toEqual(before);
      expect(shop.engine.find(name).health).toBe("verified");
      const alert = shop.app.alerts.refresh().find((a) => a.id === "offsite_drill_failed");
      expect(alert?.message).toStartWith(
        `The last off-site drill of the mirror folder failed just now with ${name}: `,
      );
      expect(await shop.readLog()).toContain(
        `ERROR - Off-site drill of the mirror folder failed with ${name}: `,
      );
      const [place] = shop.app.offsiteDrills.status();
      expect(placeDrillSentence(place as NonNullable<typeof place>, shop.clock())).toStartWith(
        `Off-site drill (Mirror folder): failed just now with ${name} (`,
      );
    } finally {
      writeFileSync(copy, good);
    }
    expect((await shop.app.offsiteDrills.drill("mirror")).ok).toBe(true);
    expect(alertIds(shop)).not.toContain("offsite_drill_failed");
  });

  test("a copy cut short in the place (no longer whole) fails the drill, naming it", async () => {
    const copy = join(mirror, `${name}.age`);
    const good = readFileSync(copy);
    writeFileSync(copy, good.subarray(0, good.length - 1000));
    try {
      const result = await shop.app.offsiteDrills.drill("mirror");
      expect(result).toMatchObject({
        ok: false,
        backup: null,
        reason: `the copy ${name}.age there is no longer as BusinessApp wrote it (cut short, grown or changed since it was copied)`,
      });
      expect(result.noCopy).toBeUndefined();
      expect(alertIds(shop)).toContain("offsite_drill_failed");
    } finally {
      writeFileSync(copy, good);
    }
    expect((await shop.app.offsiteDrills.drill("mirror")).ok).toBe(true);
  });

  test("a copy the passphrase on this PC does not open: a clear reason, in plain words", async () => {
    const other = offsiteSetup({ ...env, BUSINESS_APP_OFFSITE_PASSPHRASE: "not the passphrase at all" });
    const result = await other.app.offsiteDrills.drill("mirror");
    expect(result).toMatchObject({
      ok: false,
      reason:
        "the passphrase set on this PC does not open the copies there (it is not the one they were encrypted with)",
    });
    expect(readdirSync(other.paths.backupsDir).filter((n) => n.startsWith("."))).toEqual([]);
  });

  test("another off-site drill going on: busy; S3 not set up: not configured", async () => {
    const held = acquireFileLock(shop.paths.offsiteDrillLock);
    try {
      const busy = await shop.app.offsiteDrills.drill("mirror").catch((e) => e);
      expect(busy.code).toBe("offsite.busy");
    } finally {
      held.release();
    }
    const missing = await shop.app.offsiteDrills.drill("s3").catch((e) => e);
    expect(missing.code).toBe("offsite.not_configured");
    expect(missing.message).toStartWith("Off-site copies to S3 are not set up");
  });

  test("overdue: a place with copies and no drill in twice the interval raises an alert", () => {
    shop.clock.advance(15 * 86_400_000);
    expect(alertIds(shop)).toContain("offsite_drill_overdue");
  });
});

describe("a place with no copy yet", () => {
  test("says so, records nothing and raises no alert; plain copies drill too", async () => {
    const mirror = tempDir("business-app-mirror-");
    const shop = offsiteSetup({ BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror });
    const empty = await shop.app.offsiteDrills.drill("mirror");
    expect(empty).toMatchObject({ noCopy: true, ok: false, backup: null });
    expect(empty.reason).toBe("the mirror folder holds no copy of a backup yet");
    expect(describePlaceDrill(empty)).toBe(
      `Off-site drill of the mirror folder (${mirror}): nothing to drill yet, it holds no copy of a backup.`,
    );
    expect(existsSync(join(shop.paths.backupsDir, OFFSITE_DRILL_FILE))).toBe(false);
    const [place] = shop.app.offsiteDrills.status();
    expect(placeDrillSentence(place as NonNullable<typeof place>, shop.clock())).toBe(
      "Off-site drill (Mirror folder): not drilled yet; it holds no copy of a backup yet.",
    );
    shop.clock.advance(30 * 86_400_000);
    expect(alertIds(shop).filter((id) => id.startsWith("offsite_drill"))).toEqual([]);

    // A plain copy made before the backup's check counted its rows: compared with the record here.
    addItems(shop.db, ["bread"]);
    const record = await shop.engine.createBackup({ kind: "manual" });
    await shop.offsite.syncNow();
    await shop.engine.settled();
    expect(readdirSync(mirror)).toContain(record.name);
    expect(JSON.parse(readFileSync(join(mirror, `${record.name}.json`), "utf8")).story.rowCounts).toBeNull();
    const drilled = await shop.app.offsiteDrills.drill("mirror");
    expect(drilled).toMatchObject({ ok: true, backup: record.name, rows: 1, countsCompared: true });
  });
});

describe("on the schedule", () => {
  test("each place is drilled in the background every drill_interval_days, counted from its last drill", async () => {
    const DAY = 86_400_000;
    const clock = manualClock(new Date(2025, 8, 22, 14, 0, 0));
    const timers = fakeTimers(clock);
    const env = {
      BUSINESS_APP_OFFSITE_MIRROR_DIR: tempDir("business-app-mirror-"),
      BUSINESS_APP_DRILL_INTERVAL_DAYS: "2",
    };
    const shop = makeSetup({ env, clock, timers });
    addItems(shop.db, FIVE);
    await shop.engine.createBackup({ kind: "manual" });
    await shop.engine.settled();
    await shop.app.offsite.syncNow();
    const drilledAt = () => readPlaceDrills(shop.paths.backupsDir).mirror?.at ?? null;
    /** Moves the clock, then waits (at most 20 s) for a drill it started to end. */
    const advance = async (ms: number) => {
      await timers.advance(ms);
      for (const end = Date.now() + 20_000; shop.app.placeDrills.status().running && Date.now() < end; )
        await Bun.sleep(10);
    };
    shop.app.placeDrills.start();
    try {
      expect(drilledAt()).toBeNull();
      await advance(5 * 60_000);
      const first = drilledAt();
      expect(first).toBe(clock().toISOString());
      expect(readPlaceDrills(shop.paths.backupsDir).mirror?.ok).toBe(true);
      await advance(2 * DAY - 20 * 60_000);
      expect(drilledAt()).toBe(first);
      await advance(30 * 60_000);
      expect(drilledAt()).not.toBe(first);
    } finally {
      shop.app.placeDrills.stop();
    }
  });
});

describe("off-site drill of S3 (s3rver)", () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3.stop();
  });

  test("plain and encrypted copies pass", async () => {
    for (const [prefix, extra] of [
      ["plain/", {}],
      ["sealed/", { BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE }],
    ] as const) {
      const { shop, record } = await copiedShop(s3.env({ BUSINESS_APP_OFFSITE_S3_PREFIX: prefix, ...extra }));
      const result = await shop.app.offsiteDrills.drill("s3");
      expect(result).toMatchObject({
        ok: true,
        place: "s3",
        label: "S3",
        backup: record.name,
        rows: FIVE.length,
      });
      expect(readPlaceDrills(shop.paths.backupsDir).s3).toEqual(result);
    }
  });
});
