import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emergencyKit, kitText } from "../../src/app/settings/emergency-kit.ts";
import { settingsSchema } from "../../src/config/schema.ts";
import { encryptWithPassphrase } from "../../src/offsite/crypto/age.ts";
import { passphraseFingerprint, typedFingerprint } from "../../src/offsite/crypto/passphrase.ts";
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
    expect(await change.text()).toContain(
      "The passphrase set now opens the copies in the mirror folder: they open only with it, so it stays.",
    );
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
    expect(wrongText).toContain(
      `The fingerprint of what you typed is ${passphraseFingerprint("four words from a cookbook?")}.`,
    );
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
    const key = join(s.mirror, "business-app-key.age");
    const own = readFileSync(key);
    // Someone put another installation's key file in the place.
    const foreign = await encryptWithPassphrase(
      "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n",
      "someone else's passphrase",
    );
    writeFileSync(key, foreign);
    const boss = await s.web.as("super_admin");
    const res = await check(s, boss, PASSPHRASE);
    expect(res.status).toBe(400);
    const said = await res.text();
    expect(said).toContain(
      "The passphrase is the one set here, but it does not open the copies in the mirror folder",
    );
    // The passphrase was right: no fingerprint to compare, and no path for an administrator to see.
    expect(said).not.toContain("fingerprint of what you typed");
    expect(said).not.toContain(s.mirror);
    writeFileSync(key, own);
  });

  test("the drive taken home: the check passes and says so; a save waits for the place", async () => {
    const s = first;
    const away = `${s.mirror}-at-home`;
    renameSync(s.mirror, away);
    try {
      const res = await check(s, await s.web.as("admin"), PASSPHRASE);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("the mirror folder could not be reached now");
      const fresh = await shop(s.mirror);
      const save = await setPassphrase(fresh, PASSPHRASE);
      expect(save.status).toBe(400);
      expect(await save.text()).toContain("the mirror folder cannot be reached now");
      expect(fileSettings(fresh).offsite_passphrase).toBeUndefined();
    } finally {
      renameSync(away, s.mirror);
    }
  });

  test("five wrong tries in a quarter of an hour stop the next, the right one too", async () => {
    const s = first;
    const admin = await s.web.as("admin");
    for (let i = 0; i < 5; i++) expect((await check(s, admin, `wrong passphrase ${i}!`)).status).toBe(400);
    const sixth = await check(s, admin, PASSPHRASE);
    expect(sixth.status).toBe(400);
    expect(await sixth.text()).toContain("That was the fifth wrong try in a quarter of an hour.");
    s.web.clock.advance?.(16 * 60_000);
    expect((await check(s, admin, PASSPHRASE)).status).toBe(200);
  });

  test("passphrase.json written by hand: far or future times count from now, never break a page", async () => {
    const fingerprint = passphraseFingerprint(PASSPHRASE);
    for (const confirmedAt of ["+275760-09-13T00:00:00.000Z", "2999-01-01T00:00:00.000Z", "yesterday"]) {
      const fresh = makeWebApp({ env: { BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE } });
      mkdirSync(fresh.paths.backupsDir, { recursive: true });
      writeFileSync(
        join(fresh.paths.backupsDir, "passphrase.json"),
        JSON.stringify({
          version: 1,
          fingerprint,
          since: "2999-01-01T00:00:00Z",
          confirmedAt,
          confirmedBy: "x",
        }),
      );
      const boss = await fresh.as("super_admin");
      for (const path of ["/", "/settings", "/welcome", "/settings/emergency-kit", "/api/status"])
        expect((await fresh.request(path, { cookie: boss.token })).status).toBe(200);
      const due = Date.parse(fresh.built.web.passphrase.status().dueAt as string);
      expect(due).toBeLessThanOrEqual(fresh.clock().getTime() + 90 * DAY);
      expect(() => fresh.built.alerts.refresh()).not.toThrow();
    }
  });

  test("two saves at once run one after the other; a record that cannot be written does not undo the save", async () => {
    const s = await shop();
    const [a, b] = await Promise.all([
      setPassphrase(s, "first of the two passphrases"),
      setPassphrase(s, "second of the two passphrases"),
    ]);
    expect([a.status, b.status]).toEqual([303, 303]);
    // No place held copies yet, so the later replaced the earlier: the kit shows the one kept.
    const kept = fileSettings(s).offsite_passphrase as string;
    expect(["first of the two passphrases", "second of the two passphrases"]).toContain(kept);
    expect(await text(s, "/settings/emergency-kit")).toContain(passphraseFingerprint(kept));

    const t = await shop();
    mkdirSync(join(t.web.paths.backupsDir, "passphrase.json"), { recursive: true });
    const saved = await setPassphrase(t, PASSPHRASE);
    expect(saved.status).toBe(303);
    expect(fileSettings(t).offsite_passphrase).toBe(PASSPHRASE);
    expect(readFileSync(t.web.paths.log, "utf8")).toContain("Could not write passphrase.json");
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
    expect(windows).toContain("    set /p BUSINESS_APP_OFFSITE_PASSPHRASE=Passphrase: ");
    expect(windows).toContain("    BusinessApp.exe restore --latest --from mirror --yes");
    expect(windows).toContain("Access key id: 003abc");
    const linux = kit("linux");
    expect(linux).toContain("    export BUSINESS_APP_OFFSITE_MIRROR_DIR='/media/usb/Shop backups'");
    expect(linux).toContain(
      "    printf 'Passphrase: '; read -rs BUSINESS_APP_OFFSITE_PASSPHRASE; echo; export BUSINESS_APP_OFFSITE_PASSPHRASE",
    );
    expect(linux).toContain("    ./business-app restore --latest --from mirror --yes");
    for (const text of [windows, linux]) {
      expect(text).not.toContain("secret-never-printed");
      expect(text).not.toContain("it's a passphrase of ours");
      expect(text).toContain("Fingerprint: K7QP-2M9X");
    }
  });

  test("the fingerprint: a known answer, the same typed or set, another for one letter", async () => {
    // Computed once by hand from its definition (scrypt N=2^15, r=8, p=1, 5 bytes, Crockford base 32).
    expect(passphraseFingerprint(PASSPHRASE)).toBe("7GD3-7Q08");
    expect(await typedFingerprint(PASSPHRASE)).toBe("7GD3-7Q08");
    expect(await typedFingerprint("four words from a cookbooK")).not.toBe("7GD3-7Q08");
  });

  test("the shell lines take any folder and any passphrase as they are (run in bash)", async () => {
    const odd = ['/media/usb/it\'s $HOME `x` \\ "q" & ; | *', "/media/usb/plain"];
    const secret = 'it\'s $(rm -rf /) `x` "q" %PATH% ^ & \\ ; end';
    for (const folder of odd) {
      const lines = emergencyKit({
        settings: settingsSchema.parse({
          offsite_mirror_dir: folder,
          offsite_passphrase: "twelve chars at least",
        }),
        dataDir: "/srv/shop",
        fingerprint: "K7QP-2M9X",
        version: "1.2.3",
        platform: "linux",
        now: new Date(),
      }).find((section) => section.commands)?.commands as string[];
      const script = [
        ...lines.filter((l) => !l.includes("business-app") && !l.startsWith("cd ")),
        "env",
      ].join("\n");
      const run = Bun.spawnSync(["bash", "-c", script], { stdin: new TextEncoder().encode(`${secret}\n`) });
      const env = run.stdout.toString();
      expect(env).toContain(`BUSINESS_APP_OFFSITE_MIRROR_DIR=${folder}\n`);
      expect(env).toContain(`BUSINESS_APP_OFFSITE_PASSPHRASE=${secret}\n`);
    }
  });
});
