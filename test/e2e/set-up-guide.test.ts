import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { ROOT, type RunningApp, startApp, tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { expectFits, launchChromium, WIDTHS } from "./page-checks.ts";

/**
 * A new owner's first start, in a real browser at a desktop's width and at a phone's: the setup
 * link, the set-up guide (recommended protection, a folder on a "USB drive" chosen and made in the
 * folder chooser, a passphrase), the emergency kit printed and downloaded, and the first backup's
 * copy encrypted on the drive, without editing a file. Skipped where Chromium is missing.
 */
const available = !missing("chromium");
const SHOTS =
  process.env.SAVE_SCREENSHOTS === "1" ? join(ROOT, "test", "e2e", "screenshots") : tempDir("shots-");
const PASSWORD = "a long enough password";
const PASSPHRASE = "blue kettle under seven bridges";

let browser: Browser;
const apps: RunningApp[] = [];

beforeAll(async () => {
  if (!available) return;
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const app of apps) await app.stop();
});

async function shot(page: Page, name: string, width: number) {
  await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  await expectFits(page, `${name} at ${width} px`);
}

/** Waits (at most 20 s) until `dir` holds a file whose name matches. */
async function fileAppears(dir: string, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = readdirSync(dir).find((name) => pattern.test(name));
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(`no file like ${pattern} in ${dir}: ${readdirSync(dir).join(", ")}`);
    await Bun.sleep(100);
  }
}

describe.skipIf(!available)("a new owner, from the first start to encrypted off-site copies", () => {
  for (const size of WIDTHS) {
    test(`at ${size.width} px: setup link → guide → protection → folder → passphrase → kit → an encrypted copy`, async () => {
      const dataDir = tempDir("business-app-guide-");
      const usb = tempDir("business-app-usb-");
      const app = await startApp({ dataDir, args: ["--no-startup-backup"] });
      apps.push(app);
      const link = app.output().match(/http:\/\/localhost:\d+\/setup\?token=[A-Za-z0-9_-]+/)?.[0] as string;
      const context = await browser.newContext({ viewport: size, acceptDownloads: true });
      const page = await context.newPage();
      await page.goto(link.replace("http://localhost", "http://127.0.0.1"));
      await page.fill("#username", "owner");
      await page.fill("#password", PASSWORD);
      await page.fill("#password2", PASSWORD);
      await Promise.all([page.waitForURL(`${app.url}/welcome`), page.click("button[type=submit]")]);
      expect(await page.textContent("h1")).toBe("Set up protection");
      await shot(page, "guide", size.width);

      // 1. Recommended protection, in one click.
      await page.check("input[value='opening-hours']");
      await Promise.all([
        page.waitForURL(/\/welcome\?protected/),
        page.click("button:has-text('Use the recommended protection')"),
      ]);
      expect(await page.textContent(".notice")).toContain("Recommended protection is on.");
      expect(await page.textContent("#step-protection p")).toContain("every hour from 08:00 to 18:00");

      // 2. The folder chooser on the drive (as a click on it in the list opens it), a new folder made there.
      await page.goto(`${app.url}/welcome?path=${encodeURIComponent(usb)}#step-place`);
      await page.fill("#new-folder", "Shop backups");
      await page.click("button:has-text('Make it')");
      const folder = join(usb, "Shop backups");
      await page.waitForSelector(`#folder-chooser strong.path:has-text("${folder}")`);
      await shot(page, "guide-folder", size.width);
      await Promise.all([page.waitForLoadState(), page.click("button:has-text('Use this folder')")]);
      await page.waitForSelector("text=The folder works and is saved");
      expect(await page.textContent("#welcome-test-results")).toContain("Works: the mirror folder");

      // 3. The passphrase, typed twice; the emergency kit follows.
      await page.fill("#new-passphrase", PASSPHRASE);
      await page.fill("#new-passphrase2", PASSPHRASE);
      await Promise.all([
        page.waitForURL(/\/settings\/emergency-kit\?saved/),
        page.click("button:has-text('Save the passphrase')"),
      ]);
      const fingerprint = (await page.textContent(".kit"))?.match(
        /Fingerprint: ([0-9A-Z]{4}-[0-9A-Z]{4})/,
      )?.[1];
      expect(fingerprint).toBeDefined();
      expect(await page.textContent(".kit")).toContain(folder);
      expect(await page.content()).not.toContain(PASSPHRASE);
      await shot(page, "emergency-kit", size.width);
      // Printed: the app's frame stays off the paper.
      await page.emulateMedia({ media: "print" });
      expect(await page.isVisible(".sidebar")).toBe(false);
      expect(await page.isVisible(".kit h1")).toBe(true);
      await page.emulateMedia({ media: "screen" });
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click("text=Download as a text file"),
      ]);
      const kitFile = readFileSync((await download.path()) as string, "utf8");
      expect(kitFile).toContain(`Fingerprint: ${fingerprint}`);
      expect(kitFile).toContain("restore --latest --from mirror --yes");

      // The first backup reaches the drive, encrypted (once: the phone's run ends with the kit).
      if (size.width !== WIDTHS[0].width) {
        await context.close();
        return;
      }
      await page.goto(`${app.url}/backup/status`);
      await page.click("button:has-text('Create Backup')");
      await page.waitForSelector("text=/Backup created: manual_/");
      const copy = await fileAppears(folder, /^manual_\d{8}_\d{6}\.db\.age$/);
      expect(readFileSync(join(folder, copy)).subarray(0, 21).toString()).toBe("age-encryption.org/v1");
      await context.close();
    }, 90_000);
  }
});
