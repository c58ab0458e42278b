import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { computeAlerts } from "../../src/app/alerts.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { OffsiteError } from "../../src/offsite/errors.ts";
import { restoreLatestFromOffsite } from "../../src/offsite/restore.ts";
import { S3Http } from "../../src/offsite/s3/http.ts";
import { S3Store } from "../../src/offsite/s3/store.ts";
import { addItems, itemNames } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { endlessListing, LEAK, placeEnv, silentPlace, skewedService, webService } from "./fake-places.ts";
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
    origin: "snapshot",
    description: "the newest backup",
    createdBy: "boss",
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
      `WARNING - the mirror folder (${mirror}): 2 objects there that BusinessApp did not write; left alone`,
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
    expect(log.match(/4 objects there that BusinessApp did not write; left alone/g)).toHaveLength(1);

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
