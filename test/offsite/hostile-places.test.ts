import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { computeAlerts } from "../../src/app/alerts/alerts.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { restoreFromOffsite, restoreLatestFromOffsite } from "../../src/offsite/copies/restore.ts";
import { KEY_FILE } from "../../src/offsite/crypto/keys.ts";
import { OffsiteError } from "../../src/offsite/errors.ts";
import { assemblyMs, S3Failure, S3Http } from "../../src/offsite/places/s3/http.ts";
import { S3Store } from "../../src/offsite/places/s3/store.ts";
import { addItems, itemNames } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import {
  drippingPlace,
  endlessBytes,
  endlessListing,
  LEAK,
  memoryS3,
  placeEnv,
  silentPlace,
  skewedService,
  webService,
} from "./fake-places.ts";
import { addMegabytes, offsiteSetup } from "./offsite-fixtures.ts";
import { type RealS3, startRealS3 } from "./rgw.ts";
import { type S3Server, startS3Server } from "./s3rver.ts";

const PASSPHRASE = "correct horse battery staple";
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A real database of this app holding a second super administrator: what an attacker plants. */
function intruderDatabase(): Uint8Array {
  const path = join(tempDir("business-app-intruder-"), "intruder.db");
  const handle = new DatabaseHandle(path);
  handle.open();
  handle.sqlite.run(
    "INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('intruder', 'h', 'super_admin', 0, 0)",
  );
  handle.close();
  const db = new Database(path);
  db.run("PRAGMA journal_mode = DELETE");
  db.close();
  return new Uint8Array(readFileSync(path));
}

/** A plain copy with a sidecar that says what it holds, dated 2099 (`sha256` may lie). */
function plantedCopy(name: string, options: { sha256?: string } = {}) {
  const bytes = intruderDatabase();
  const hash = options.sha256 ?? sha256(bytes);
  const sidecar = JSON.stringify({
    version: 2,
    name,
    createdAt: "2099-01-01T00:00:00.000Z",
    size: bytes.length,
    sha256: hash,
    encrypted: false,
    copySize: bytes.length,
    copySha256: hash,
    copiedAt: "2099-01-01T00:00:00.000Z",
    story: {
      origin: "snapshot",
      description: "the newest backup",
      createdBy: "boss",
      databaseId: null,
      dataAt: "2099-01-01T00:00:00.000Z",
    },
    mac: "0".repeat(64),
  });
  return { bytes, sidecar };
}

/** The users of a database file, by name. */
const usersIn = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .query<{ username: string }, []>("SELECT username FROM users ORDER BY username")
      .all()
      .map((r) => r.username);
  } finally {
    db.close();
  }
};

describe("a place of encrypted copies and a plain copy planted there (the mirror folder)", () => {
  test("never listed, chosen or restored; left alone and counted; without the passphrase nothing is written there and an alert says to set it", async () => {
    const mirror = tempDir("business-app-mirror-");
    const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror, BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE };
    const shop = offsiteSetup(env);
    addItems(shop.db, ["bread"]);
    const real = await shop.engine.createBackup({ kind: "manual", description: "the real one" });
    expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
    const planted = plantedCopy("backup_20990101_000000.db");
    writeFileSync(join(mirror, "backup_20990101_000000.db"), planted.bytes);
    writeFileSync(join(mirror, "backup_20990101_000000.db.json"), planted.sidecar);
    const before = readdirSync(mirror).sort();

    expect((await shop.offsite.contents("mirror")).map((c) => c.name)).toEqual([real.name]);
    expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
    expect(readdirSync(mirror).sort()).toEqual(before);
    expect(shop.offsite.status()?.targets[0]).toMatchObject({ foreignObjects: 2, needsPassphrase: false });
    expect(await shop.readLog()).toContain(
      `WARNING - the mirror folder (${mirror}): 2 objects here that BusinessApp did not write; left alone`,
    );

    // A new PC with the passphrase restores the newest real backup, not the planted one.
    const newPc = offsiteSetup(env);
    newPc.db.close();
    const restored = await restoreLatestFromOffsite(newPc.app, { by: "test" });
    expect(restored.restoredFrom).toBe(real.name);
    expect(usersIn(newPc.paths.database)).not.toContain("intruder");
    expect(itemNames(newPc.paths.database)).toEqual(["bread"]);

    // A PC started without the passphrase: restores nothing and writes nothing there.
    const bare = offsiteSetup({ BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror });
    bare.db.close();
    const refused = await restoreLatestFromOffsite(bare.app, { by: "test" }).catch((e) => e);
    expect(refused).toBeInstanceOf(OffsiteError);
    expect(refused.code).toBe("offsite.no_passphrase");
    bare.db.open();
    await bare.engine.createBackup({ kind: "startup", createdBy: "startup" });
    const [run] = await bare.offsite.syncNow();
    expect(run?.error?.code).toBe("offsite.no_passphrase");
    expect(readdirSync(mirror).sort()).toEqual(before);
    const status = bare.offsite.status();
    expect(status?.targets[0]?.needsPassphrase).toBe(true);
    const alerts = computeAlerts({
      now: bare.clock(),
      cadence: { hours: 6 },
      lastAutomaticRun: null,
      latestHealthy: { createdAt: bare.clock().toISOString() },
      drill: { intervalDays: 0, last: null },
      watchingSince: bare.clock().toISOString(),
      freeBytes: null,
      databaseBytes: 0,
      offsite: status,
    });
    expect(alerts.map((a) => a.id)).toEqual(["offsite_passphrase_missing"]);
    expect(alerts[0]?.message).toBe(
      "The off-site copies in the mirror folder are encrypted, and no passphrase is set on this PC: nothing is copied there until it is.",
    );
  });
});

describe("someone else's objects in the bucket (s3rver)", () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3.stop();
  });

  test("never drive retention, never chosen, never deleted; the newest real backup is copied; a new PC restores it", async () => {
    const env = s3.env({
      BUSINESS_APP_OFFSITE_S3_PREFIX: "shop/",
      BUSINESS_APP_OFFSITE_MAX_BACKUPS: "2",
      BUSINESS_APP_OFFSITE_KINDS: "automatic",
    });
    const store = new S3Store(
      new S3Http(
        {
          endpoint: s3.endpoint,
          region: "us-east-1",
          bucket: s3.bucket,
          accessKeyId: s3.accessKeyId,
          secretAccessKey: s3.secretAccessKey,
        },
        { answerMs: 10_000, idleMs: 10_000 },
      ),
    );
    // Planted first: a future-dated copy whose SHA-256 is wrong, a sidecar without its data, data without a sidecar.
    const forged = plantedCopy("backup_20990101_000000.db", { sha256: "ab".repeat(32) });
    await store.put("shop/backup_20990101_000000.db", forged.bytes, {
      contentType: "application/octet-stream",
    });
    await store.put("shop/backup_20990101_000000.db.json", forged.sidecar, {
      contentType: "application/json",
    });
    await store.put("shop/backup_20200101_000000.db.json", plantedCopy("backup_20200101_000000.db").sidecar, {
      contentType: "application/json",
    });
    await store.put("shop/backup_20200102_000000.db", forged.bytes, {
      contentType: "application/octet-stream",
    });
    const planted = [
      "backup_20990101_000000.db",
      "backup_20990101_000000.db.json",
      "backup_20200101_000000.db.json",
      "backup_20200102_000000.db",
    ];

    const shop = offsiteSetup(env);
    const made = [];
    for (let i = 0; i < 3; i++) {
      addItems(shop.db, [`day ${i}`]);
      made.push(await shop.engine.createBackup({ kind: "automatic", createdBy: "scheduler" }));
      expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
      shop.clock.advance(60_000);
    }
    const names = (await store.list("shop/")).map((o) => o.key.slice(5));
    for (const name of planted) expect(names).toContain(name);
    const copies = (await shop.offsite.contents("s3")).filter((c) => c.proven).map((c) => c.name);
    expect(copies).toEqual([made[2]?.name as string, made[1]?.name as string]);
    expect(shop.offsite.status()?.targets[0]?.foreignObjects).toBe(4);
    const log = await shop.readLog();
    expect(log).toContain(`Removed old off-site copy: ${made[0]?.name} from S3`);
    expect(log.match(/4 objects here that BusinessApp did not write; left alone/g)).toHaveLength(1);

    // A new PC (no passphrase, no record of what it wrote): the forged newest fails its check and
    // is skipped; the newest real backup is restored.
    const newPc = offsiteSetup(env);
    newPc.db.close();
    const restored = await restoreLatestFromOffsite(newPc.app, { by: "test", from: "s3" });
    expect(restored.restoredFrom).toBe(made[2]?.name as string);
    expect(itemNames(newPc.paths.database)).toEqual(["day 0", "day 1", "day 2"]);
    expect(await newPc.readLog()).toContain("WARNING - Off-site copy backup_20990101_000000.db skipped");
  });
});

describe("places that do not behave: every wait is bounded, and nothing they say is repeated", () => {
  test("an endless listing is refused after a bounded number of pages", async () => {
    const place = endlessListing();
    const shop = offsiteSetup(placeEnv(place));
    const failure = await shop.offsite.contents("s3").catch((e) => e);
    expect(failure).toBeInstanceOf(OffsiteError);
    expect(failure.message).toBe(
      "the place holds too many objects to list (more than 100000 objects: give BusinessApp a folder of its own in the bucket (offsite_s3_prefix))",
    );
    expect(place.requests()).toBeLessThanOrEqual(102);
  });

  test("a place that accepts and never answers: the connection test ends at the timeout, a second one meanwhile is refused", async () => {
    const place = silentPlace();
    const shop = offsiteSetup(placeEnv(place, { BUSINESS_APP_OFFSITE_TIMEOUT_SECONDS: "1" }));
    const started = performance.now();
    const first = shop.offsite.test();
    const second = await shop.offsite.test().catch((e) => e);
    expect(second).toBeInstanceOf(OffsiteError);
    expect(second.code).toBe("offsite.busy");
    const [tested] = await first;
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(tested).toMatchObject({ ok: false, target: "s3" });
    expect(tested?.message).toStartWith("the storage service did not answer in time");
  });

  test("a run that passes its deadline is given up and counts as failed", async () => {
    const place = silentPlace();
    const shop = offsiteSetup(placeEnv(place, { BUSINESS_APP_OFFSITE_TIMEOUT_SECONDS: "2" }), {
      timers: true,
    });
    addMegabytes(shop.db, 1);
    await shop.engine.createBackup({ kind: "manual" });
    const running = shop.offsite.syncNow();
    // The deadline (offsite_run_minutes, 360) passes while a request waits for its answer.
    await shop.timers?.advance(360 * 60_000);
    const [result] = await running;
    expect(result?.error?.code).toBe("offsite.timeout");
    expect(result?.error?.message).toStartWith(
      "the off-site run took longer than 360 minutes and was given up",
    );
    expect(shop.offsite.status()?.failingSince).not.toBeNull();
  });

  test("the connection test says what kind of failure and the HTTP status, never what the other side sent", async () => {
    const cases: [ReturnType<typeof webService>, string][] = [
      [webService(), "the address does not answer as an S3 storage service (HTTP 200 … no listing)"],
      [
        skewedService(21),
        "this PC's clock is 21 minutes off: correct the clock (HTTP 403, RequestTimeTooSkewed",
      ],
    ];
    for (const [place, expected] of cases) {
      const shop = offsiteSetup(placeEnv(place));
      const [tested] = await shop.offsite.test();
      expect(tested?.ok).toBe(false);
      expect(tested?.message).not.toContain(LEAK);
      expect(tested?.message).not.toContain("<");
      const [start] = expected.split(" (");
      expect(tested?.message).toStartWith(start as string);
    }
  });
});

describe.skipIf(missing("rgw"))("a real S3 service (Ceph's RADOS Gateway)", () => {
  let rgw: RealS3;
  beforeAll(async () => {
    rgw = await startRealS3();
  });
  afterAll(() => rgw?.stop());

  test("a PC whose clock is 21 minutes off is told so, in words", async () => {
    const failure = await rgw
      .http(() => Date.now() + 21 * 60_000)
      .send({ method: "GET", key: null, query: { "list-type": "2", prefix: "" } })
      .catch((e) => e);
    expect(failure).toMatchObject({
      problem: "clock",
      status: 403,
      serviceCode: "RequestTimeTooSkewed",
      skewMinutes: 21,
    });
  });

  test("an interrupted multipart upload is aborted: by the copy that failed, and by the next run when the process died", async () => {
    const env = rgw.env({ BUSINESS_APP_OFFSITE_S3_PREFIX: "multipart/" });
    const shop = offsiteSetup(env);
    addMegabytes(shop.db, 24);
    await shop.engine.createBackup({ kind: "manual" });
    const store = new S3Store(rgw.http());
    // Someone else's upload under the prefix: never touched.
    const theirs = await rgw
      .http()
      .send({ method: "POST", key: "multipart/theirs.bin", query: { uploads: "" } });
    expect(theirs.status).toBe(200);
    // A process that died in the middle of an upload leaves it, and its id in the ledger.
    const ledgerPath = shop.paths.offsiteLedger;
    const begun = await rgw
      .http()
      .send({ method: "POST", key: "multipart/manual_left.db", query: { uploads: "" } });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await begun.text())?.[1] as string;
    const placeId = `s3 bucket ${rgw.bucket}, folder multipart/ at ${rgw.endpoint}`;
    writeFileSync(
      ledgerPath,
      JSON.stringify({
        version: 1,
        places: {
          [placeId]: {
            copies: {},
            writing: {},
            uploads: {
              [uploadId]: { key: "multipart/manual_left.db", startedAt: "2025-09-22T12:00:00.000Z" },
            },
            encrypted: false,
          },
        },
      }),
    );
    expect((await store.pendingUploads("multipart/"))?.length).toBe(2);
    expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
    const pending = (await store.pendingUploads("multipart/")) ?? [];
    expect(pending.map((p) => p.key)).toEqual(["multipart/theirs.bin"]);
    expect(JSON.parse(readFileSync(ledgerPath, "utf8")).places[placeId].uploads).toEqual({});
  });
});

describe("a place's key is never replaced, swapped in, or lost with the copies it opens", () => {
  const env = (extra: Record<string, string>) => ({ BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE, ...extra });

  test("the key file gone from the mirror folder: the run refuses, makes no new key, removes nothing", async () => {
    const mirror = tempDir("business-app-mirror-");
    const shop = offsiteSetup(env({ BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror }));
    const a = await shop.engine.createBackup({ kind: "manual", description: "a" });
    expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
    await shop.engine.createBackup({ kind: "manual", description: "b" });
    await shop.engine.deleteBackup(a.name);
    rmSync(join(mirror, KEY_FILE));
    const [run] = await shop.offsite.syncNow();
    expect(run?.error?.message).toStartWith(`${KEY_FILE} is missing from the mirror folder`);
    expect(readdirSync(mirror).sort()).toEqual([`${a.name}.age`, `${a.name}.age.json`]);
  });

  test("a listing that leaves the key file out: the key is read directly, kept, and no copy is lost", async () => {
    const s3 = memoryS3();
    const shop = offsiteSetup(env(placeEnv(s3, { BUSINESS_APP_OFFSITE_S3_PREFIX: "shop/" })));
    const a = await shop.engine.createBackup({ kind: "manual", description: "a" });
    expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
    const key = s3.objects.get(`shop/${KEY_FILE}`);
    await shop.engine.createBackup({ kind: "manual", description: "b" });
    await shop.engine.deleteBackup(a.name);
    s3.knobs.hideKeyFile = 1;
    expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
    expect(s3.objects.get(`shop/${KEY_FILE}`)).toEqual(key as Uint8Array);
    expect([...s3.objects.keys()]).toContain(`shop/${a.name}.age`);
  });

  test("another place's key swapped in (the same passphrase): refused, and that place's copies stay", async () => {
    const mirror = tempDir("business-app-mirror-");
    const s3 = memoryS3();
    const shop = offsiteSetup(env({ BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror, ...placeEnv(s3) }));
    const a = await shop.engine.createBackup({ kind: "manual" });
    expect((await shop.offsite.syncNow()).map((r) => r.error)).toEqual([null, null]);
    s3.objects.set(KEY_FILE, new Uint8Array(readFileSync(join(mirror, KEY_FILE))));
    const [, toS3] = await shop.offsite.syncNow();
    expect(toS3?.error?.message).toStartWith(`${KEY_FILE} in S3 is not the key BusinessApp made there`);
    expect([...s3.objects.keys()]).toContain(`${a.name}.age`);
  });
});

describe("a download never takes more than its sidecar says", () => {
  test("an encrypted copy answered with an endless first line, and a plain one answered with 256 MB", async () => {
    for (const encrypted of [true, false]) {
      const s3 = memoryS3();
      const extra: Record<string, string> = encrypted ? { BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE } : {};
      const shop = offsiteSetup(placeEnv(s3, extra));
      const made = await shop.engine.createBackup({ kind: "manual" });
      expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
      const [copy] = await shop.offsite.contents("s3");
      const head = new TextEncoder().encode("age-encryption.org/v1\n-> X25519 ");
      s3.knobs.body = {
        match: /\.db(\.age)?$/,
        make: () => endlessBytes(256 * 1024 * 1024, 0x41, encrypted ? head : undefined),
      };
      const newPc = offsiteSetup(placeEnv(s3, extra));
      newPc.db.close();
      const failure = await restoreFromOffsite(newPc.app, made.name, { by: "test" }).catch((e) => e);
      expect(failure).toBeInstanceOf(OffsiteError);
      expect(failure.code).toBe("offsite.damaged");
      // It stopped at the copy's size: what the service sent is that, and what the sockets between
      // held (a few MB), far from all it had to send.
      expect(s3.taken()).toBeLessThan((copy?.copySize ?? 0) + 64 * 1024 * 1024);
      expect(readdirSync(newPc.paths.backupsDir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    }
  });
});

describe("without a passphrase, a sidecar changed after it was written proves nothing", () => {
  test("a copy dated into the future neither drives retention nor wins a restore of the newest", async () => {
    const mirror = tempDir("business-app-mirror-");
    const env = {
      BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror,
      BUSINESS_APP_OFFSITE_MAX_BACKUPS: "2",
      BUSINESS_APP_OFFSITE_KINDS: "automatic",
    };
    const shop = offsiteSetup(env);
    const made = [];
    for (let i = 0; i < 2; i++) {
      addItems(shop.db, [`day ${i}`]);
      made.push(await shop.engine.createBackup({ kind: "automatic", createdBy: "scheduler" }));
      expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
      shop.clock.advance(60_000);
    }
    const oldest = made[0]?.name as string;
    const sidecar = JSON.parse(readFileSync(join(mirror, `${oldest}.json`), "utf8"));
    writeFileSync(
      join(mirror, `${oldest}.json`),
      JSON.stringify({ ...sidecar, createdAt: "2099-01-01T00:00:00.000Z" }),
    );
    addItems(shop.db, ["day 2"]);
    const newest = await shop.engine.createBackup({ kind: "automatic", createdBy: "scheduler" });
    expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
    expect(readdirSync(mirror)).toContain(`${newest.name}.json`);
    expect(readdirSync(mirror)).toContain(`${made[1]?.name}.json`);
    expect(readdirSync(mirror)).toContain(`${oldest}.json`);
    expect(await shop.readLog()).toContain(
      `the off-site copy ${oldest} is no longer as BusinessApp wrote it; left alone`,
    );
    for (const name of readdirSync(shop.paths.backupsDir).filter((n) => n.startsWith("backup_")))
      rmSync(join(shop.paths.backupsDir, name));
    const restored = await restoreLatestFromOffsite(shop.app, { by: "test" });
    expect(restored.restoredFrom).toBe(newest.name);
  });

  test("a sidecar that claims the app made a file it did not: the file is rebuilt, and the claim is not kept", async () => {
    const mirror = tempDir("business-app-mirror-");
    const shop = offsiteSetup({ BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror });
    // A file copied into the backup folder by hand: external, of unknown origin.
    const foreign = intruderDatabase();
    const withCheck = join(tempDir(), "with-check.db");
    writeFileSync(withCheck, foreign);
    const db = new Database(withCheck);
    db.run("CREATE TABLE extra (x INTEGER DEFAULT (random()) CHECK (x <> 0))");
    db.close();
    writeFileSync(join(shop.paths.backupsDir, "from_usb_stick.db"), readFileSync(withCheck));
    await shop.engine.checks.verify(["from_usb_stick.db"]);
    expect((await shop.offsite.syncNow())[0]?.error).toBeNull();
    const sidecar = JSON.parse(readFileSync(join(mirror, "from_usb_stick.db.json"), "utf8"));
    expect(sidecar.story.origin).toBeNull();
    const story = {
      ...sidecar.story,
      origin: "snapshot",
      createdBy: "boss",
      description: "made by the app, honest",
    };
    writeFileSync(join(mirror, "from_usb_stick.db.json"), JSON.stringify({ ...sidecar, story }));
    rmSync(join(shop.paths.backupsDir, "from_usb_stick.db"));
    await restoreFromOffsite(shop.app, "from_usb_stick.db", { by: "test" });
    const table = shop.db.sqlite
      .query<{ sql: string }, []>("SELECT sql FROM sqlite_schema WHERE name = 'extra'")
      .get();
    expect(table?.sql).not.toContain("CHECK");
    const record = shop.engine.find("from_usb_stick.db");
    expect(record.origin).toBeUndefined();
    expect(record.createdBy).toBeNull();
  });
});

describe("what a place sends is never repeated, and a place that drips is given up", () => {
  test("a key file whose first line is someone's text: the error says it is damaged, and nothing of the text", async () => {
    const mirror = tempDir("business-app-mirror-");
    writeFileSync(join(mirror, KEY_FILE), `${LEAK} Call 555-0100 to restore your files\n`);
    const shop = offsiteSetup({
      BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror,
      BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE,
    });
    await shop.engine.createBackup({ kind: "manual" });
    const [run] = await shop.offsite.syncNow();
    expect(run?.error?.code).toBe("offsite.damaged");
    const [tested] = await shop.offsite.test();
    for (const said of [run?.error?.message, tested?.message, await shop.readLog()])
      expect(said).not.toContain(LEAK);
  });

  test("a service that answers and then sends a byte every half second: the test ends, the run ends at its deadline", async () => {
    const place = drippingPlace();
    const shop = offsiteSetup(placeEnv(place, { BUSINESS_APP_OFFSITE_TIMEOUT_SECONDS: "1" }), {
      timers: true,
    });
    const started = performance.now();
    const [tested] = await shop.offsite.test();
    expect(tested?.ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(20_000);
    await shop.engine.createBackup({ kind: "manual" });
    const running = shop.offsite.syncNow();
    await Bun.sleep(100);
    await shop.timers?.advance(360 * 60_000);
    const ended = performance.now();
    const [result] = await running;
    expect(performance.now() - ended).toBeLessThan(5_000);
    expect(result?.error?.message).toStartWith(
      "the off-site run took longer than 360 minutes and was given up",
    );
  });

  test("a listing of keys longer than S3 allows: they are left out, and the listing ends", async () => {
    const big = "k".repeat(4096);
    const place = memoryS3();
    for (let i = 0; i < 20; i++) place.objects.set(`${big}${i}`, new Uint8Array(1));
    const shop = offsiteSetup(placeEnv(place));
    expect(await shop.offsite.contents("s3")).toEqual([]);
  });
});

describe("a service that takes its time to join the parts of an upload", () => {
  const MiB = 1024 * 1024;
  /** An upload of 8 MiB in 1 MiB parts, with answers due within half a second. */
  const upload = (place: ReturnType<typeof memoryS3>) => {
    const store = new S3Store(
      new S3Http(
        {
          endpoint: place.endpoint,
          region: "us-east-1",
          bucket: "shop",
          accessKeyId: "AKIAEXAMPLE",
          secretAccessKey: "secret-of-the-shop",
        },
        { answerMs: 500, idleMs: 500 },
      ),
      { partSize: MiB },
    );
    return store.put("shop/big.db", endlessBytes(8 * MiB, 7), { contentType: "application/octet-stream" });
  };

  test("joining takes longer than the time to an answer, silent or sending spaces: the upload completes", async () => {
    // 8 MiB is given 2 s of joining on top of the 0.5 s to an answer (4 MiB/s).
    expect(assemblyMs(8 * MiB)).toBe(2048);
    for (const spaces of [false, true]) {
      const place = memoryS3({ assemble: { ms: 1500, spaces } });
      await upload(place);
      expect(place.objects.get("shop/big.db")?.byteLength).toBe(8 * MiB);
      expect(place.objects.get("shop/big.db")?.every((byte) => byte === 7)).toBe(true);
      expect(place.uploads.size).toBe(0);
      place.stop();
    }
  });

  test("joining that never ends: the upload fails within its bound, in words, and is aborted", async () => {
    for (const spaces of [false, true]) {
      const place = memoryS3({ assemble: { ms: 600_000, spaces } });
      const started = performance.now();
      const failure = await upload(place).catch((error) => error);
      // 0.5 s to an answer + 2 s of joining (+ 16 s for a 1 MiB answer at 64 KiB/s, with spaces).
      expect(performance.now() - started).toBeLessThan(spaces ? 25_000 : 10_000);
      expect(failure).toBeInstanceOf(S3Failure);
      expect(failure.problem).toBe("timeout");
      expect(place.objects.has("shop/big.db")).toBe(false);
      expect(place.uploads.size).toBe(0);
      place.stop();
    }
  });
});
