import { copyFileSync, mkdirSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { SETTLE_MS } from "../src/backup/catalog/kept-listing.ts";
import { type ManifestRecord, writeManifest } from "../src/backup/catalog/manifest.ts";
import { backupFileName } from "../src/backup/catalog/names.ts";
import { SESSION_COOKIE } from "../src/web/middleware/access.ts";
import { createWebApp } from "../src/web/server.ts";
import { benchApp } from "./app.ts";
import { type Row, summarize } from "./table.ts";

/**
 * Runs not counted: they warm up the file system cache and the JIT. A serving app has rendered the
 * page many times (every 2 s while a backup runs); with 10,000 backups the first five or six
 * renders still run code the JIT has not finished with (2 to 4 times the steady time).
 */
const WARM_UP_RUNS = 8;

/** The page's budget by number of backups: a page of rows and one read of the listing. */
const TARGET_MS: Record<number, number> = { 1000: 20, 10000: 40 };

/**
 * Server time to render `/backup/status` for a super administrator (the biggest page: every
 * row with its buttons) with `count` backups listed, through the real app without a socket: as
 * people see it, the folder unchanged for a while (its listing kept), or with `afterChange` each
 * time just after the folder changed (the listing built again from the files and the manifest).
 */
export async function measureStatusPage(options: {
  work: string;
  count: number;
  runs: number;
  afterChange?: boolean;
}): Promise<Row> {
  const dir = join(options.work, `render-${options.count}`);
  mkdirSync(dir, { recursive: true });
  const app = benchApp(dir, {
    env: { BUSINESS_APP_MAX_BACKUPS: "100000", BUSINESS_APP_MAX_PRE_RESTORE_BACKUPS: "100000" },
  });
  const { paths, db, engine, auth } = app;
  mkdirSync(paths.backupsDir, { recursive: true });
  db.open();
  const first = await engine.createBackup({ kind: "manual", description: "template" });
  const records: ManifestRecord[] = [];
  const start = Date.now() - options.count * 3600_000;
  for (let i = 0; i < options.count; i++) {
    const at = new Date(start + i * 3600_000);
    const name = backupFileName(i % 5 === 0 ? "manual" : "automatic", at, `Before the stock count ${i}`);
    copyFileSync(join(paths.backupsDir, first.name), join(paths.backupsDir, name));
    records.push({ ...first, name, kind: i % 5 === 0 ? "manual" : "automatic", createdAt: at.toISOString() });
  }
  rmSync(join(paths.backupsDir, first.name));
  await writeManifest(paths.backupsDir, records);

  const boss = await auth.users.create({
    username: "boss",
    password: "a long enough password",
    role: "super_admin",
  });
  const { token } = auth.sessions.create(boss, "127.0.0.1");
  const web = createWebApp(app.web);
  const headers = { Host: "localhost:5000", Cookie: `${SESSION_COOKIE}=${token}` };
  // A listing built this soon after the folder changed is not kept (`SETTLE_MS`), and the first
  // look writes `alerts.json` there: as on a page looked at a while after the last backup, the
  // steady figure waits that out once.
  await web.request("http://localhost:5000/backup/status", { headers });
  if (!options.afterChange) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS + 200));
  const samples: number[] = [];
  for (let run = 0; run < options.runs + WARM_UP_RUNS; run++) {
    if (options.afterChange) utimesSync(paths.backupsDir, new Date(), new Date());
    const started = performance.now();
    const res = await web.request("http://localhost:5000/backup/status", { headers });
    const html = await res.text();
    const elapsed = performance.now() - started;
    if (res.status !== 200 || !html.includes(records.at(-1)?.name ?? ""))
      throw new Error(`render failed: ${res.status}`);
    if (run >= WARM_UP_RUNS) samples.push(elapsed);
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return options.afterChange
    ? summarize(`/backup/status with ${options.count} backups, just after a change`, "ms", samples)
    : summarize(
        `/backup/status with ${options.count} backups (server time)`,
        "ms",
        samples,
        TARGET_MS[options.count],
      );
}
