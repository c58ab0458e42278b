import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { restoreToPoint } from "../../src/app/restore/point-restore.ts";
import { createApp } from "../../src/app.ts";
import { buildPointInTime } from "../../src/backup/index.ts";
import { openSqlite } from "../../src/db/connect.ts";
import { fetchChain } from "../../src/offsite/continuous/changes.ts";
import type { TargetId } from "../../src/offsite/places/target.ts";
import { tempDir } from "../helpers.ts";
import { startRealS3 } from "../offsite/rgw.ts";
import { type S3Server, startS3Server } from "../offsite/s3rver.ts";
import { seededRandom } from "../random.ts";
import { missing } from "../tools.ts";
import { contentOf, expectedAt, runWorkload, startWorkload, type Workload } from "./workload.ts";

/**
 * Time travel from the places: the seeded workload's chains go to a place (`ChangeShipping`) in
 * batches while files are merged and new bases start, so objects are replaced and removed there;
 * then the database is rebuilt from what the place holds alone, at random instants, at commit
 * boundaries, before the first and after the last, and must equal the recorded content row for
 * row with integrity_check ok — from the mirror folder and S3 (s3rver, and Ceph's RADOS Gateway
 * where it is installed), plain and encrypted.
 */

const PASSPHRASE = "the shop's long passphrase";
const dirs: string[] = [];
const servers: { stop(): unknown }[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const made = tempDir(prefix);
  dirs.push(made);
  return made;
}

/** The content at `at` as place `id` alone can give it back. */
async function fromPlace(app: ReturnType<typeof createApp>, id: TargetId, w: Workload, at: number) {
  const chains = await app.shipping.remoteChains(id);
  const chain = chains.find((c) => c.manifest.chain.createdAt <= at);
  if (!chain) return null;
  const root = dir("business-app-fetched-");
  const { key, passphrase } = await app.offsite.forReading(id);
  await fetchChain(app.offsite.target(id), chain, at, root, { key, passphrase });
  const target = join(root, "rebuilt.db");
  await buildPointInTime(root, at, target);
  const db = openSqlite(target, { readonly: true });
  try {
    return {
      content: contentOf(db),
      integrity: String(db.query("PRAGMA integrity_check").values()[0]?.[0]),
      proven: chain.proven,
    };
  } finally {
    db.close();
    void w;
  }
}

async function travel(
  id: TargetId,
  env: Record<string, string>,
  seed: number,
  encrypted: boolean,
  steps = 25,
) {
  const data = dir("business-app-travel-");
  const app = createApp(
    { flags: { data_dir: data }, env, appDir: data, cwd: data },
    { echo: null, connection: "none" },
  );
  const w = await startWorkload(data, { mergeFanIn: 4, chainBytes: 300_000 });
  app.shipping.start();
  for (let batch = 0; batch < 3; batch++) {
    await runWorkload(w, steps, seed * 10 + batch);
    await app.shipping.syncNow();
    expect(app.shipping.health().map((p) => p.problem)).toEqual(app.offsite.placeIds().map(() => null));
  }
  w.capture.stop();
  w.handle.close();
  await app.shipping.stop();
  const random = seededRandom(seed);
  const first = w.states[0]?.[0] as number;
  const last = w.states.at(-1)?.[0] as number;
  const instants = [last, last + 60_000];
  for (let i = 0; i < 12; i++) {
    const [moment] = w.states[1 + Math.floor(random() * (w.states.length - 1))] as [number, string];
    instants.push(moment, moment + 1 + Math.floor(random() * 998));
  }
  let checked = 0;
  for (const at of instants) {
    const got = await fromPlace(app, id, w, at);
    expect(got).not.toBeNull();
    expect(got?.integrity).toBe("ok");
    expect(got?.content).toBe(expectedAt(w, at) as string);
    expect(got?.proven).toBe(true);
    checked++;
  }
  expect(await fromPlace(app, id, w, first - 1)).toBeNull();
  const objects = app.offsite.target(id);
  const names = (await objects.list()).map((f) => f.name).filter((n) => n.startsWith("continuous_"));
  // Merged files replaced what they merged there too; encrypted places hold only encrypted objects.
  expect(names.some((n) => /_L[1-9]-/.test(n))).toBe(true);
  expect(names.filter((n) => !n.endsWith(".json")).every((n) => n.endsWith(".age") === encrypted)).toBe(true);
  // A new PC with only the settings: the last moment restored whole. A chain proven by the
  // passphrase's MAC is rebuilt in place; a plain one, which this PC never recorded writing, is a
  // file from elsewhere: kept as a backup and restored rebuilt.
  const newPc = dir("business-app-travel-new-pc-");
  const fresh = createApp(
    { flags: { data_dir: newPc }, env, appDir: newPc, cwd: newPc },
    { echo: null, connection: "none" },
  );
  const restored = await restoreToPoint(fresh, { at: new Date(last), by: null, now: new Date(), from: id });
  expect(restored.kept === null).toBe(encrypted);
  if (restored.kept) expect(restored.kept).toMatch(/_point_in_time\.db$/);
  const db = openSqlite(join(newPc, "business_data.db"), { readonly: true });
  try {
    expect(contentOf(db)).toBe(expectedAt(w, last) as string);
  } finally {
    db.close();
  }
  return checked;
}

describe("restore to a point in time from the places", () => {
  test("the mirror folder, plain", async () => {
    const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: dir("business-app-usb-") };
    expect(await travel("mirror", env, 11, false)).toBeGreaterThan(20);
  }, 120_000);

  test("the mirror folder, encrypted with the passphrase", async () => {
    const env = {
      BUSINESS_APP_OFFSITE_MIRROR_DIR: dir("business-app-usb-"),
      BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE,
    };
    expect(await travel("mirror", env, 12, true)).toBeGreaterThan(20);
  }, 120_000);

  test("S3 (s3rver), encrypted", async () => {
    const s3: S3Server = await startS3Server();
    servers.push(s3);
    expect(
      await travel("s3", s3.env({ BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE }), 13, true),
    ).toBeGreaterThan(20);
  }, 180_000);

  test.skipIf(missing("rgw"))(
    "S3 (Ceph's RADOS Gateway), plain",
    async () => {
      const rgw = await startRealS3();
      servers.push(rgw);
      // A real service answers each request in tens of milliseconds: fewer steps, the same searches.
      expect(await travel("s3", rgw.env(), 14, false, 10)).toBeGreaterThan(20);
    },
    180_000,
  );
});
