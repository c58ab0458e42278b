import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emergencyKit, kitText } from "../../src/app/emergency-kit.ts";
import { settingsSchema } from "../../src/config/schema.ts";
import { encryptWithPassphrase } from "../../src/offsite/age.ts";
import { passphraseFingerprint } from "../../src/offsite/passphrase.ts";
import { tempDir } from "../helpers.ts";
import { form, makeWebApp } from "./app-fixture.ts";

const PASSPHRASE = "four words from a cookbook";
const DAY = 86_400_000;

/** The web app with a mirror folder set by the environment and no passphrase, as a new shop has it. */
async function shop(mirror = tempDir("business-app-usb-"), env: Record<string, string> = {}) {
  const web = makeWebApp({ env: { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror, ...env } });
  web.db.sqlite.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  web.db.sqlite.run("INSERT INTO items (name) VALUES ('milk')");
  const boss = await web.as("super_admin");
  return { web, boss, mirror };
}

type Shop = Awaited<ReturnType<typeof shop>>;

const setPassphrase = (s: Shop, passphrase: string, again = passphrase) =>
  s.web.request("/settings/passphrase", {
    method: "POST",
    cookie: s.boss.token,
    ...form({ _csrf: s.boss.csrfToken, passphrase, passphrase2: again }),
  });

const text = async (s: Shop, path: string, token = s.boss.token) =>
  (await s.web.request(path, { cookie: token })).text();

const settingsFile = (s: Shop) => join(s.web.paths.dataDir, "business-app.config.json");
const fileSettings = (s: Shop): Record<string, unknown> => {
  try {
    return JSON.parse(readFileSync(settingsFile(s), "utf8"));
  } catch {
    return {};
  }
};

describe("the passphrase set in the app, and asked for from time to time", () => {
  const check = (s: Shop, token: { token: string; csrfToken: string }, passphrase: string) =>
    s.web.request("/passphrase/check", {
      method: "POST",
      cookie: token.token,
      ...form({ _csrf: token.csrfToken, passphrase }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" },
    });
  const alertIds = async (s: Shop) => {
    s.web.built.alerts.refresh();
    const boss = await s.web.as("super_admin");
    const status = (await (await s.web.request("/api/status", { cookie: boss.token })).json()) as {
      alerts: { id: string }[];
    };
    return status.alerts.map((a) => a.id);
  };
  let first: Shop;

  test("typed twice, kept owner-only in the settings file, never shown again; the kit follows; copies are encrypted", async () => {
    first = await shop();
    const s = first;
    const differ = await setPassphrase(s, PASSPHRASE, `${PASSPHRASE}!`);
    expect(differ.status).toBe(400);
    expect(await differ.text()).toContain("The two passphrases differ.");
    const short = await setPassphrase(s, "too short");
    expect(short.status).toBe(400);
    expect(await short.text()).toContain("A passphrase needs 12 to 1024 characters");
    expect(fileSettings(s).offsite_passphrase).toBeUndefined();

    const saved = await setPassphrase(s, PASSPHRASE);
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/settings/emergency-kit?saved");
    expect(fileSettings(s).offsite_passphrase).toBe(PASSPHRASE);
    if (process.platform !== "win32") expect(statSync(settingsFile(s)).mode & 0o077).toBe(0);

    const fingerprint = passphraseFingerprint(PASSPHRASE);
    expect(fingerprint).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const kit = await text(s, "/settings/emergency-kit?saved");
    expect(kit).toContain("The passphrase is saved. Print this page now");
    expect(kit).toContain(fingerprint);
    expect(kit).toContain(s.mirror);
    expect(kit).toContain("restore --latest --from mirror --yes");
    const download = await s.web.request("/settings/emergency-kit.txt", { cookie: s.boss.token });
    expect(download.headers.get("content-disposition")).toContain("BusinessApp-emergency-kit.txt");
    const kitFile = await download.text();
    expect(kitFile).toContain(`Fingerprint: ${fingerprint}`);
    expect(kitFile).toContain("Write the passphrase here by hand: ____");
    const settingsPage = await text(s, "/settings");
    expect(settingsPage).toContain(`Its fingerprint is <strong class="fingerprint">${fingerprint}</strong>`);
    for (const shown of [
      kit,
      kitFile,
      settingsPage,
      await text(s, "/"),
      readFileSync(s.web.paths.log, "utf8"),
    ])
      expect(shown).not.toContain(PASSPHRASE);

    // Applied at once: the next copy is encrypted, with no restart.
    const backup = await s.web.engine.createBackup({ kind: "manual", createdBy: "boss" });
    await s.web.built.offsite.syncNow();
    expect(readdirSync(s.mirror)).toContain(`${backup.name}.age`);

    // Changing it once copies are encrypted with it would leave them unreadable: refused.
    const change = await setPassphrase(s, "another passphrase entirely");
    expect(change.status).toBe(400);
    expect(await change.text()).toContain("off-site copies are encrypted with it. Keep using it");
    expect(fileSettings(s).offsite_passphrase).toBe(PASSPHRASE);
  });

  test("a new PC takes only the passphrase its place's copies were made with", async () => {
    const fresh = await shop(first.mirror);
    const wrong = await setPassphrase(fresh, "not the one it was made with");
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain(
      "The passphrase was not saved: the mirror folder: the passphrase does not open",
    );
    expect(fileSettings(fresh).offsite_passphrase).toBeUndefined();
    expect((await setPassphrase(fresh, PASSPHRASE)).status).toBe(303);
    expect(fileSettings(fresh).offsite_passphrase).toBe(PASSPHRASE);
  });

  test("set by the environment: the page says where, and does not change it", async () => {
    const s = await shop(undefined, { BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE });
    expect(await text(s, "/settings")).toContain(
      "The passphrase is set by <code>BUSINESS_APP_OFFSITE_PASSPHRASE</code>",
    );
    const res = await setPassphrase(s, "a different passphrase here");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("change it there");
    expect(fileSettings(s).offsite_passphrase).toBeUndefined();
  });

  test("due after 90 days for administrators, an alert 30 days later; typing it right clears both", async () => {
    const s = first;
    const dashboard = async (role: "admin" | "user") => text(s, "/", (await s.web.as(role)).token);
    expect(await dashboard("admin")).not.toContain("Is the passphrase still known?");

    s.web.clock.advance?.(91 * DAY);
    expect(await dashboard("admin")).toContain("Is the passphrase still known?");
    expect(await dashboard("user")).not.toContain("Is the passphrase still known?");
    expect(await alertIds(s)).not.toContain("passphrase_unconfirmed");

    s.web.clock.advance?.(30 * DAY);
    expect(await alertIds(s)).toContain("passphrase_unconfirmed");

    const admin = await s.web.as("admin");
    const wrong = await check(s, admin, "four words from a cookbook?");
    expect(wrong.status).toBe(400);
    const wrongText = await wrong.text();
    expect(wrongText).toContain("That is not the passphrase set here.");
    expect(wrongText).toContain(passphraseFingerprint("four words from a cookbook?"));
    expect(await alertIds(s)).toContain("passphrase_unconfirmed");

    const right = await check(s, admin, PASSPHRASE);
    expect(right.status).toBe(200);
    expect(await right.text()).toContain("The passphrase is right, and it opens the off-site copies.");
    const record = JSON.parse(readFileSync(join(s.web.paths.backupsDir, "passphrase.json"), "utf8"));
    expect(record).toMatchObject({
      confirmedBy: expect.stringMatching(/^admin-/),
      fingerprint: passphraseFingerprint(PASSPHRASE),
    });
    expect(JSON.stringify(record)).not.toContain(PASSPHRASE);
    expect(await alertIds(s)).not.toContain("passphrase_unconfirmed");
    expect(await dashboard("admin")).not.toContain("Is the passphrase still known?");
    // A user may not check it; the audit trail has both tries.
    const user = await s.web.as("user");
    expect((await check(s, user, PASSPHRASE)).status).toBe(403);
    const audit = s.web.auth.audit.newest(20).map((e) => `${e.action} ${e.outcome}`);
    expect(audit).toContain("passphrase: check success");
    expect(audit).toContain("passphrase: check failure");
  });

  test("a place whose key the passphrase does not open fails the check, though the passphrase is the one set", async () => {
    const s = first;
    // Someone put another installation's key file in the place.
    const foreign = await encryptWithPassphrase(
      "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n",
      "someone else's passphrase",
    );
    writeFileSync(join(s.mirror, "business-app-key.age"), foreign);
    const res = await check(s, await s.web.as("super_admin"), PASSPHRASE);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("The passphrase is the one set here, but the mirror folder:");
  });
});

describe("the emergency kit's words", () => {
  const settings = settingsSchema.parse({
    offsite_mirror_dir: "/media/usb/Shop backups",
    offsite_s3_endpoint: "https://s3.example.com",
    offsite_s3_bucket: "shop-backups",
    offsite_s3_access_key_id: "003abc",
    offsite_s3_secret_access_key: "secret-never-printed",
    offsite_passphrase: "it's a passphrase of ours",
  });
  const kit = (platform: string) =>
    kitText(
      emergencyKit({
        settings,
        dataDir: "C:\\BusinessApp",
        fingerprint: "K7QP-2M9X",
        version: "1.2.3",
        platform,
        now: new Date("2026-12-06T10:00:00Z"),
      }),
    );

  test("Windows: a command window's lines; elsewhere a shell's, quoted; the secrets only as blanks", () => {
    const windows = kit("win32");
    expect(windows).toContain('    set "BUSINESS_APP_OFFSITE_MIRROR_DIR=/media/usb/Shop backups"');
    expect(windows).toContain('    set "BUSINESS_APP_OFFSITE_PASSPHRASE=THE PASSPHRASE"');
    expect(windows).toContain("    BusinessApp.exe restore --latest --from mirror --yes");
    expect(windows).toContain("Access key id: 003abc");
    const linux = kit("linux");
    expect(linux).toContain("    export BUSINESS_APP_OFFSITE_MIRROR_DIR='/media/usb/Shop backups'");
    expect(linux).toContain("    export BUSINESS_APP_OFFSITE_PASSPHRASE='THE PASSPHRASE'");
    expect(linux).toContain("    ./business-app restore --latest --from mirror --yes");
    for (const text of [windows, linux]) {
      expect(text).not.toContain("secret-never-printed");
      expect(text).not.toContain("it's a passphrase of ours");
      expect(text).toContain("Fingerprint: K7QP-2M9X");
    }
  });

  test("the fingerprint is the same for the same passphrase, and differs for one letter", () => {
    expect(passphraseFingerprint(PASSPHRASE)).toBe(passphraseFingerprint(`${PASSPHRASE}`));
    expect(passphraseFingerprint(PASSPHRASE)).not.toBe(passphraseFingerprint("four words from a cookbooK"));
  });
});
