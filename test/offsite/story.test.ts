import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { missingDatabase } from "../../src/app/restore/missing-database.ts";
import { AUDIT_COPY, AUDIT_SIDECAR } from "../../src/offsite/copies/audit-copy.ts";
import { restoreLatestFromOffsite } from "../../src/offsite/copies/restore.ts";
import { addItems, itemNames } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";
import { offsiteSetup } from "./offsite-fixtures.ts";

/**
 * Off-site copies carry their story (who made each backup and why, of which database, its data
 * time, its rows), sealed when there is a passphrase, and the audit trail goes along encrypted:
 * a restore on a new PC brings both back.
 */

const PASSPHRASE = "the passphrase of the shop";

/** The old PC: a shop whose people did things, a backup described by its maker, copied to the mirror. */
async function oldPc(env: Record<string, string>) {
  const shop = offsiteSetup(env);
  addItems(shop.db, ["bread", "milk"]);
  const audit = shop.app.auth.audit;
  audit.record({ action: "user: create", target: "anna", outcome: "success", username: "boss" });
  audit.record({ action: "sign in", outcome: "failure", username: "mallory", clientAddress: "10.0.0.9" });
  const backup = await shop.engine.createBackup({
    kind: "manual",
    description: "before the inventory",
    createdBy: "boss",
  });
  // Its full check in the background counts its rows, which the story carries.
  await shop.engine.settled();
  const [run] = await shop.offsite.syncNow();
  expect(run?.error).toBeNull();
  return { shop, backup: shop.engine.find(backup.name) };
}

/** A new PC: an empty data folder with the same off-site settings. */
function newPc(env: Record<string, string>) {
  const pc = offsiteSetup(env);
  pc.db.close();
  return pc;
}

describe("a new PC gets the backups' story and the audit trail back", () => {
  test("with a passphrase: description, author, kind, data time, identity and rows come back; the audit trail too, encrypted on the way", async () => {
    const mirror = tempDir("business-app-mirror-");
    const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror, BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE };
    const { shop, backup } = await oldPc(env);
    expect(readdirSync(mirror)).toContain(AUDIT_COPY);
    expect(readdirSync(mirror)).toContain(AUDIT_SIDECAR);
    // Nothing of who did what can be read there without the key.
    const stored = readFileSync(join(mirror, AUDIT_COPY)).toString("latin1");
    expect(stored).not.toContain("mallory");
    expect(readFileSync(join(mirror, AUDIT_SIDECAR), "utf8")).not.toContain("mallory");
    for (const name of readdirSync(mirror).filter((n) => n.endsWith(".json")))
      expect(readFileSync(join(mirror, name), "utf8")).not.toContain("before the inventory");
    // The app's own: nothing there is counted as someone else's.
    expect(shop.offsite.status()?.targets[0]).toMatchObject({ foreignObjects: 0 });
    // A run with nothing new writes the trail's copy again only when the trail changed.
    const before = readFileSync(join(mirror, AUDIT_SIDECAR), "utf8");
    await shop.offsite.syncNow();
    expect(readFileSync(join(mirror, AUDIT_SIDECAR), "utf8")).toBe(before);

    const pc = newPc(env);
    // Missing here, the database's newest backup is in the mirror: the command line is told to take it from there.
    rmSync(pc.paths.database, { force: true });
    const missing = await missingDatabase(pc.app);
    expect(missing?.from).toBe("mirror");
    expect(missing?.sentence).toStartWith(
      `The database file is missing. The newest good backup is ${backup.name} from 2025-09-22 14:00:00, in the mirror folder (0 users, 2 rows). Restore it.`,
    );
    const restored = await restoreLatestFromOffsite({ ...pc.app, audit: pc.app.auth.audit }, { by: "test" });
    expect(restored.restoredFrom).toBe(backup.name);
    expect(itemNames(pc.paths.database)).toEqual(["bread", "milk"]);
    expect(pc.engine.find(backup.name)).toMatchObject({
      kind: "manual",
      description: "before the inventory",
      createdBy: "boss",
      databaseId: backup.databaseId,
      dataAt: backup.dataAt,
      rowCounts: backup.rowCounts,
    });
    const trail = pc.app.auth.audit.newest(10).map((e) => `${e.action} ${e.username} ${e.outcome}`);
    expect(trail).toContain("user: create boss success");
    expect(trail).toContain("sign in mallory failure");
    expect(await pc.readLog()).toMatch(/Audit trail brought back from the mirror folder: \d+ entries added/);
    expect(backup.rowCounts).toMatchObject({ items: 2 });
    // Brought back twice, nothing is there twice.
    const count = pc.app.auth.audit.count();
    await restoreLatestFromOffsite({ ...pc.app, audit: pc.app.auth.audit }, { by: "test" });
    expect(pc.app.auth.audit.count()).toBe(count);
  });

  test("a trail's copy changed in the place is not trusted: never brought back, and the next run writes the trail there anew", async () => {
    const mirror = tempDir("business-app-mirror-");
    const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror, BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE };
    const { shop } = await oldPc(env);
    const sidecar = JSON.parse(readFileSync(join(mirror, AUDIT_SIDECAR), "utf8"));
    writeFileSync(join(mirror, AUDIT_SIDECAR), JSON.stringify({ ...sidecar, entries: sidecar.entries + 5 }));
    await shop.offsite.syncNow();
    // The changed one is not proven: the run wrote a new copy of the trail over it.
    const rewritten = JSON.parse(readFileSync(join(mirror, AUDIT_SIDECAR), "utf8"));
    expect(rewritten.entries).toBe(sidecar.entries);

    writeFileSync(join(mirror, AUDIT_SIDECAR), JSON.stringify({ ...rewritten, entries: 99 }));
    const pc = newPc(env);
    await restoreLatestFromOffsite({ ...pc.app, audit: pc.app.auth.audit }, { by: "test" });
    expect(pc.app.auth.audit.newest(10).map((e) => e.username)).not.toContain("mallory");
    expect(await pc.readLog()).toContain("the mirror folder holds no copy of the audit trail");
  });

  test("without a passphrase the trail stays on the PC, and a new PC, which cannot prove a copy the app's, takes none of its words", async () => {
    const mirror = tempDir("business-app-mirror-");
    const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror };
    const { backup } = await oldPc(env);
    expect(readdirSync(mirror)).not.toContain(AUDIT_COPY);
    const pc = newPc(env);
    await restoreLatestFromOffsite({ ...pc.app, audit: pc.app.auth.audit }, { by: "test" });
    // On a new PC a copy without a passphrase proves nothing: it is rebuilt and its words not taken.
    expect(pc.engine.find(backup.name)).toMatchObject({ description: "", createdBy: null });
    expect(pc.app.auth.audit.count()).toBe(0);
  });
});

describe("a new PC without the passphrase", () => {
  test("starts in recovery mode asking for the passphrase first, and says why; nothing is written to the place", async () => {
    const mirror = tempDir("business-app-mirror-");
    const { backup } = await oldPc({
      BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror,
      BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE,
    });
    const before = readdirSync(mirror).sort();
    const pc = newPc({ BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror });
    rmSync(pc.paths.database);
    const missing = await missingDatabase(pc.app);
    expect(missing?.from).toBeNull();
    expect(missing?.sentence).toStartWith(
      `The database file is missing. The newest backup is ${backup.name} from 2025-09-22 14:00:00, in the mirror folder, encrypted: set the passphrase it was made with (offsite_passphrase in the settings file, or BUSINESS_APP_OFFSITE_PASSPHRASE)`,
    );
    expect(readdirSync(mirror).sort()).toEqual(before);
  });
});
