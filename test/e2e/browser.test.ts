import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { ROOT, type RunningApp, startApp, tempDir } from "../helpers.ts";
import { CHROMIUM, missing } from "../tools.ts";

/**
 * The real server and Debian's Chromium, driven by Playwright: what a person at the shop sees
 * and does. Skipped, with the reason, where Chromium is not installed (`.ci/run` installs it and
 * sets REQUIRE_TEST_TOOLS=1, so there a missing browser fails instead).
 */
const available = !missing("chromium");
/** Set SAVE_SCREENSHOTS=1 to refresh the screenshots kept in test/e2e/screenshots. */
const SHOTS =
  process.env.SAVE_SCREENSHOTS === "1" ? join(ROOT, "test", "e2e", "screenshots") : tempDir("shots-");

let browser: Browser;
let app: RunningApp;
let dataDir: string;
const PASSWORD = "a long enough password";

beforeAll(async () => {
  if (!available) return;
  mkdirSync(SHOTS, { recursive: true });
  dataDir = tempDir("business-app-e2e-");
  app = await startApp({ dataDir, args: ["--no-startup-backup"] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function signIn(page: Page, username: string, password = PASSWORD) {
  await page.goto(`${app.url}/login`);
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(`${app.url}/`), page.click("button[type=submit]")]);
}

function items(): string[] {
  const db = new Database(join(dataDir, "business_data.db"), { readonly: true });
  try {
    return db
      .query<{ name: string }, []>("SELECT name FROM items ORDER BY name")
      .all()
      .map((r) => r.name);
  } finally {
    db.close();
  }
}

describe.skipIf(!available)("in a real browser", () => {
  test("setup link → first super admin → backup → restore with confirmation → data back, signed out", async () => {
    const link = app.output().match(/http:\/\/localhost:\d+\/setup\?token=[A-Za-z0-9_-]+/)?.[0] as string;
    expect(link).toBeDefined();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const external: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(app.url)) external.push(r.url());
    });
    await page.goto(link.replace("http://localhost", "http://127.0.0.1"));
    await page.screenshot({ path: join(SHOTS, "setup.png") });
    await page.fill("#username", "owner");
    await page.fill("#password", PASSWORD);
    await page.fill("#password2", PASSWORD);
    await Promise.all([page.waitForURL(`${app.url}/`), page.click("button[type=submit]")]);
    expect(await page.textContent("h1")).toBe("Dashboard");

    // Shop data to protect.
    const db = new Database(join(dataDir, "business_data.db"));
    db.run("PRAGMA busy_timeout = 5000");
    db.run("CREATE TABLE items (name TEXT)");
    db.run("INSERT INTO items VALUES ('apples'), ('pears')");
    db.close();
    await page.reload();
    await page.screenshot({ path: join(SHOTS, "dashboard.png"), fullPage: true });

    await page.click("nav >> text=Database Backup");
    await page.waitForURL(`${app.url}/backup/status`);
    await page.evaluate(() => {
      (globalThis as unknown as { stayed: boolean }).stayed = true;
    });
    await page.fill("#description", "Before inventory update");
    expect(await page.textContent("#description-count")).toContain("23 of 200 characters");
    await page.click("button:has-text('Create Backup')");
    await page.waitForSelector("text=/Backup created: manual_\\d{8}_\\d{6}_before_inventory_update\\.db/");
    // Shown by htmx in place: the page was not reloaded.
    expect(await page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed)).toBe(true);
    const name = (await page.textContent("td code")) as string;
    expect(name).toMatch(/^manual_\d{8}_\d{6}_before_inventory_update\.db$/);
    await page.screenshot({ path: join(SHOTS, "backup-status.png"), fullPage: true });

    const change = new Database(join(dataDir, "business_data.db"));
    change.run("PRAGMA busy_timeout = 5000");
    change.run("DELETE FROM items WHERE name = 'apples'");
    change.close();
    expect(items()).toEqual(["pears"]);

    let question = "";
    page.once("dialog", (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await Promise.all([
      page.waitForURL(/\/login\?restored=/),
      page.click(`tr:has-text("${name}") a:has-text("Restore")`),
    ]);
    expect(question).toContain(`Restore ${name}`);
    expect(question).toContain("First a safety backup of the current database is taken");
    expect(question).toContain("Everyone is signed out");
    expect(await page.textContent(".notice")).toContain(
      `Restored from ${name}. A safety backup was saved as pre_restore_`,
    );
    expect(items()).toEqual(["apples", "pears"]);
    await page.screenshot({ path: join(SHOTS, "signed-out-after-restore.png") });
    expect(external).toEqual([]);
    await page.close();
  });

  test("a user sees no Restore and gets 403 posting one; an upload; a failure message in place", async () => {
    const boss = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(boss, "owner");
    await boss.goto(`${app.url}/users`);
    await boss.fill("#new-username", "clerk");
    await boss.selectOption("#new-role", "user");
    await boss.fill("#new-password", PASSWORD);
    await Promise.all([boss.waitForURL(/\/users\?done=created/), boss.click("button:has-text('Add user')")]);
    await boss.screenshot({ path: join(SHOTS, "users.png"), fullPage: true });

    const clerk = await (await browser.newContext()).newPage();
    await signIn(clerk, "clerk");
    await clerk.goto(`${app.url}/backup/status`);
    expect(await clerk.getByRole("link", { name: "Restore", exact: true }).count()).toBe(0);
    expect(await clerk.getByRole("button", { name: "Emergency Restore" }).count()).toBe(0);
    expect(await clerk.getByRole("link", { name: "Delete", exact: true }).count()).toBe(0);
    expect(await clerk.locator("nav >> text=Settings").count()).toBe(0);
    const csrf = (await clerk.getAttribute('meta[name="csrf-token"]', "content")) as string;
    const backupName = (await clerk.textContent("td code")) as string;
    const forced = await clerk.request.post(`${app.url}/backup/restore`, {
      form: { name: backupName, _csrf: csrf },
      headers: { Origin: app.url },
      maxRedirects: 0,
    });
    expect(forced.status()).toBe(403);
    await boss.goto(`${app.url}/audit`);
    expect(await boss.textContent("table")).toContain("POST /backup/restore");

    // Upload a copy of a backup as if from a USB stick.
    const usb = join(tempDir("usb-"), "shop copy.db");
    copyFileSync(join(dataDir, "database_backups", backupName), usb);
    await boss.goto(`${app.url}/backup/status`);
    // The same page shows a super administrator every action.
    expect(await boss.getByRole("link", { name: "Restore", exact: true }).count()).toBeGreaterThan(0);
    await boss.fill("#upload-description", "From the USB stick");
    await boss.setInputFiles("#upload-file", usb);
    await boss.click("button:has-text('Upload')");
    await boss.waitForSelector("text=/Backup uploaded: uploaded_\\d{8}_\\d{6}_from_the_usb_stick\\.db/");

    // A failure, explained in place.
    await boss.fill("#description", "x".repeat(201));
    expect(await boss.textContent("#description-count")).toContain("too long");
    await boss.click("button:has-text('Create Backup')");
    await boss.waitForSelector(
      "text=Failed to create backup: The description may have at most 200 characters.",
    );
    await boss.screenshot({ path: join(SHOTS, "failure-message.png"), fullPage: true });
    await boss.goto(`${app.url}/settings`);
    await boss.screenshot({ path: join(SHOTS, "settings.png"), fullPage: true });
  });
});
