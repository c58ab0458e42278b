import { Database } from "bun:sqlite";
import { closeSync, copyFileSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { dataPaths } from "../helpers.ts";

/** The longest description a person may type (200 characters), as one word: nothing to wrap at. */
export const LONG_DESCRIPTION = "Stocktakingbeforethesummersale".repeat(7).slice(0, 200);

/** The longest user name the app takes (64 characters), without a space. */
export const LONG_USERNAME = "northern.branch.accounts.".repeat(3).slice(0, 64);

/** The names of the shop's items, read straight from the database file. */
export function items(dataDir: string): string[] {
  const db = new Database(dataPaths(dataDir).database, { readonly: true });
  try {
    return db
      .query<{ name: string }, []>("SELECT name FROM items ORDER BY name")
      .all()
      .map((r) => r.name);
  } finally {
    db.close();
  }
}

/** Runs SQL on the live database, as the shop's own program would. */
export function changeShopData(dataDir: string, sql: string): void {
  const db = new Database(dataPaths(dataDir).database);
  db.run("PRAGMA busy_timeout = 5000");
  try {
    db.run(sql);
  } finally {
    db.close();
  }
}

/**
 * Manual backups through the JSON API as the page's signed-in person, until the list has
 * `total`: every third with a 200-character one-word description, the others short or none.
 */
export async function makeBackupsUntil(page: Page, baseUrl: string, total: number): Promise<void> {
  const csrf = (await page.getAttribute('meta[name="csrf-token"]', "content")) as string;
  const headers = { "X-CSRF-Token": csrf, Origin: baseUrl };
  const listed = async () =>
    ((await (await page.request.get(`${baseUrl}/api/backups`)).json()) as { backups: unknown[] }).backups
      .length;
  for (let i = await listed(); i < total; i++) {
    const description = i % 3 === 0 ? LONG_DESCRIPTION : i % 3 === 1 ? `End of day ${i}` : "";
    const res = await page.request.post(`${baseUrl}/api/backups`, { data: { description }, headers });
    if (res.status() !== 201) throw new Error(`backup ${i}: ${res.status()} ${await res.text()}`);
  }
}

/**
 * Files put into the backup folder by hand: a copy with a long name (checked and listed as
 * copied in) and a 3-byte broken file (listed as damaged).
 */
export function copyFilesIn(backupsDir: string, goodBackup: string): void {
  copyFileSync(
    join(backupsDir, goodBackup),
    join(backupsDir, `copied_from_the_old_shop_computer_in_the_back_office_${"x".repeat(40)}.db`),
  );
  writeFileSync(join(backupsDir, "backup_20200101_080000.db"), "bad");
}

/** Waits (bounded) until the app has checked every file it found in the folder. */
export async function waitUntilChecked(page: Page, baseUrl: string): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const { backups } = (await (await page.request.get(`${baseUrl}/api/backups`)).json()) as {
      backups: { health: string }[];
    };
    if (!backups.some((b) => b.health === "unchecked")) return;
    await Bun.sleep(100);
  }
  throw new Error("the app did not check the new backup files within 10 s");
}

/** Makes the stopped app's database unreadable, so it starts in recovery mode. */
export function breakDatabase(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    if (name.startsWith("business_data.db-")) rmSync(join(dataDir, name));
  }
  const fd = openSync(dataPaths(dataDir).database, "r+");
  try {
    writeSync(fd, Buffer.alloc(100, 0x5a), 0, 100, 0);
  } finally {
    closeSync(fd);
  }
}
