import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listDrives } from "../../src/offsite/places/drives.ts";
import { tempDir } from "../helpers.ts";
import { type S3Server, startS3Server } from "../offsite/s3rver.ts";
import { form, makeWebApp, PASSWORD, sessionCookieOf } from "./app-fixture.ts";

/** A shop just set up: the first super administrator, by the setup link, as a new owner does it. */
async function newShop(config?: Record<string, unknown>) {
  const web = makeWebApp(config ? { config } : {});
  const token = web.auth.setup.issue();
  const res = await web.request("/setup", {
    method: "POST",
    ...form({ token, username: "owner", password: PASSWORD, password2: PASSWORD }),
  });
  const cookie = sessionCookieOf(res);
  if (!cookie) throw new Error("no session after the setup");
  const session = web.auth.sessions.find(cookie);
  if (!session) throw new Error("no session");
  return { web, res, boss: { token: cookie, csrfToken: session.csrfToken } };
}

type Shop = Awaited<ReturnType<typeof newShop>>;

const post = (s: Shop, path: string, fields: Record<string, string>) =>
  s.web.request(path, {
    method: "POST",
    cookie: s.boss.token,
    ...form({ _csrf: s.boss.csrfToken, ...fields }),
  });
const get = (s: Shop, path: string) => s.web.request(path, { cookie: s.boss.token });
const fileSettings = (s: Shop): Record<string, unknown> => {
  try {
    return JSON.parse(readFileSync(join(s.web.paths.dataDir, "business-app.config.json"), "utf8"));
  } catch {
    return {};
  }
};

let s3: S3Server | null = null;
afterAll(async () => {
  await s3?.stop();
});

describe("the set-up guide", () => {
  test("follows the first account; recommended protection in one click", async () => {
    const s = await newShop();
    expect(s.res.status).toBe(303);
    expect(s.res.headers.get("location")).toBe("/welcome");
    const guide = await (await get(s, "/welcome")).text();
    expect(guide).toContain("1. Recommended protection");
    expect(guide).toContain("2. Where should copies go?");
    expect(guide).toContain("3. A passphrase, and the emergency kit");
    expect(guide).toContain("Now: nowhere yet.");

    const res = await post(s, "/welcome/protection", { choice: "opening-hours" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/welcome?protected#step-place");
    expect(fileSettings(s)).toMatchObject({
      max_backups: 10,
      drill_interval_days: 7,
      schedule: "0 8-18 * * 1-6",
    });
    expect(s.web.scheduler.status().cadence).toContain("8:00");
    const after = await (await get(s, "/welcome?protected")).text();
    expect(after).toContain("Recommended protection is on.");
    // Every 6 hours again: the schedule goes, the interval stays.
    await post(s, "/welcome/protection", { choice: "every-6-hours" });
    expect(fileSettings(s).schedule).toBeUndefined();
    expect(fileSettings(s).interval_hours).toBe(6);
    // Only a super administrator sees the guide.
    const admin = await s.web.as("admin");
    expect((await s.web.request("/welcome", { cookie: admin.token })).status).toBe(403);
  });

  test("continuous protection turned off in the settings file is turned on, from the next start", async () => {
    const s = await newShop({ continuous_protection: false });
    const res = await post(s, "/welcome/protection", { choice: "every-6-hours" });
    expect(res.headers.get("location")).toBe("/welcome?protected=restart#step-place");
    expect(fileSettings(s).continuous_protection).toBe(true);
    expect(await (await get(s, "/welcome?protected=restart")).text()).toContain(
      "continuous protection starts when BusinessApp starts next",
    );
  });

  test("the folder chooser: folders of a drive, a new folder made there, bad names refused; the folder tested, then saved", async () => {
    const s = await newShop();
    const usb = tempDir("business-app-usb-");
    mkdirSync(join(usb, "Photos"));
    mkdirSync(join(usb, ".hidden"));
    const chooser = await (await get(s, `/welcome/folders?path=${encodeURIComponent(usb)}`)).text();
    expect(chooser).toContain(">Photos</a>");
    expect(chooser).not.toContain(".hidden");
    expect(chooser).toContain("Use this folder");
    for (const name of [
      "..",
      "a/b",
      "what?",
      "x".repeat(101),
      "CON",
      "nul.txt",
      "Com1",
      "trailing.",
      ".hidden",
      "$x",
      "a\u200bb",
    ]) {
      const refused = await post(s, "/welcome/folders/new", { path: usb, name });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain("A folder name has up to 100 characters");
    }
    const made = await post(s, "/welcome/folders/new", { path: usb, name: "BusinessApp backups" });
    expect(made.status).toBe(200);
    const target = join(usb, "BusinessApp backups");
    expect(existsSync(target)).toBe(true);
    expect(await made.text()).toContain(`<strong class="path">${target}</strong>`);
    expect((await post(s, "/welcome/folders/new", { path: usb, name: "BusinessApp backups" })).status).toBe(
      400,
    );

    // Refused with a reason, nothing saved: not a full path, not there, BusinessApp's own folder or one inside it.
    const inside = join(s.web.paths.backupsDir, "BusinessApp backups");
    mkdirSync(inside, { recursive: true });
    for (const [path, words] of [
      ["backups", "Type the folder&#39;s full path"],
      [join(usb, "missing"), "There is no folder"],
      [s.web.paths.backupsDir, "That folder is BusinessApp&#39;s own, or inside it"],
      [inside, "That folder is BusinessApp&#39;s own, or inside it"],
    ] as const) {
      const res = await post(s, "/welcome/mirror", { offsite_mirror_dir: path });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(words);
      expect(fileSettings(s).offsite_mirror_dir).toBeUndefined();
    }
    // A file where the folder should be: the test fails, nothing is saved.
    const file = join(usb, "a-file");
    writeFileSync(file, "x");
    const failed = await post(s, "/welcome/mirror", { offsite_mirror_dir: file });
    expect(failed.status).toBe(400);
    expect(await failed.text()).toContain("The test failed, so nothing was saved");
    expect(fileSettings(s).offsite_mirror_dir).toBeUndefined();

    const saved = await post(s, "/welcome/mirror", { offsite_mirror_dir: target });
    expect(saved.status).toBe(200);
    const text = await saved.text();
    expect(text).toContain("The folder works and is saved");
    // The temporary "USB drive" is on the same disk as the data here: said, as a broken disk takes both.
    expect(text).toContain("It is on the same disk as BusinessApp&#39;s data, though");
    expect(text).toContain("Works: the mirror folder");
    expect(fileSettings(s).offsite_mirror_dir).toBe(target);
    expect(s.web.built.offsite.configured).toBe(true);
  });

  test("S3: typed, tested against the storage, saved with its secret only when the test passes", async () => {
    s3 = await startS3Server();
    const s = await newShop();
    const fields = {
      offsite_s3_endpoint: s3.endpoint,
      offsite_s3_bucket: s3.bucket,
      offsite_s3_region: "",
      offsite_s3_prefix: "shop/",
      offsite_s3_access_key_id: s3.accessKeyId,
      offsite_s3_secret_access_key: "not-the-secret",
    };
    const missing = await post(s, "/welcome/s3", { ...fields, offsite_s3_bucket: "" });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("The bucket is missing or not right");
    const wrong = await post(s, "/welcome/s3", fields);
    expect(wrong.status).toBe(400);
    const wrongText = await wrong.text();
    expect(wrongText).toContain("The test failed, so nothing was saved");
    expect(wrongText).toContain(`value="${s3.accessKeyId}"`);
    expect(wrongText).not.toContain("not-the-secret");
    expect(fileSettings(s).offsite_s3_bucket).toBeUndefined();

    const right = await post(s, "/welcome/s3", {
      ...fields,
      offsite_s3_secret_access_key: s3.secretAccessKey,
    });
    expect(right.status).toBe(200);
    const rightText = await right.text();
    expect(rightText).toContain("The storage works and is saved");
    expect(rightText).not.toContain(s3.secretAccessKey);
    expect(fileSettings(s)).toMatchObject({
      offsite_s3_bucket: s3.bucket,
      offsite_s3_region: "us-east-1",
      offsite_s3_secret_access_key: s3.secretAccessKey,
    });
  });
});

describe("the drives the chooser offers", () => {
  test("disks under /media (a user's folder holds them), /mnt and /Volumes; removable ones first", async () => {
    const root = tempDir("business-app-mounts-");
    for (const dir of ["media/anna/USB STICK", "media/anna/CAMERA", "mnt/nas", "Volumes/Backup"])
      mkdirSync(join(root, dir), { recursive: true });
    const drives = await listDrives(
      "linux",
      ["media", "mnt", "Volumes"].map((d) => join(root, d)),
    );
    expect(drives.map((d) => [d.label, d.removable])).toEqual([
      ["CAMERA", true],
      ["USB STICK", true],
      ["Backup", true],
      ["nas", false],
    ]);
    expect(drives.every((d) => typeof d.freeBytes === "number" && d.freeBytes > 0)).toBe(true);
  });
});
