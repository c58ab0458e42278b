import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createAuth } from "../src/auth/auth.ts";
import { BackupEngine } from "../src/backup/engine.ts";
import { type ManifestRecord, writeManifest } from "../src/backup/manifest.ts";
import { backupFileName } from "../src/backup/names.ts";
import { RecoveryState } from "../src/backup/recovery.ts";
import { createRecoveryPort, createSettingsPort } from "../src/cli/web-ports.ts";
import { loadConfig } from "../src/config/load.ts";
import { dataPaths } from "../src/config/paths.ts";
import { SettingsStore } from "../src/config/settings-store.ts";
import { DatabaseHandle } from "../src/db/handle.ts";
import { createLog } from "../src/lib/log.ts";
import { BackupScheduler } from "../src/scheduler/scheduler.ts";
import { SESSION_COOKIE } from "../src/web/middleware/access.ts";
import { createWebApp } from "../src/web/server.ts";
import { type Row, summarize } from "./table.ts";

/**
 * Server time to render `/backup/status` for a super administrator (the biggest page: every
 * row with its buttons) with `count` backups listed, through the real app without a socket.
 */
export async function measureStatusPage(options: {
  work: string;
  count: number;
  runs: number;
}): Promise<Row> {
  const dir = join(options.work, `render-${options.count}`);
  mkdirSync(dir, { recursive: true });
  const paths = dataPaths(dir);
  mkdirSync(paths.backupsDir, { recursive: true });
  const db = new DatabaseHandle(paths.database);
  db.open();
  const log = createLog({ path: paths.log, echo: null });
  const engine = new BackupEngine({
    database: paths.database,
    backupsDir: paths.backupsDir,
    operationLock: paths.operationLock,
    log,
    retention: { automatic: 100_000, manual: null, pre_restore: 100_000 },
    db,
  });
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
  writeManifest(paths.backupsDir, records);

  const auth = createAuth({ db, clock: () => new Date() });
  const boss = await auth.users.create({
    username: "boss",
    password: "a long enough password",
    role: "super_admin",
  });
  const { token } = auth.sessions.create(boss, "127.0.0.1");
  const input = { flags: { data_dir: dir }, env: {}, appDir: dir, cwd: dir };
  const scheduler = new BackupScheduler({ cadence: { hours: 6 }, log, run: async () => "" });
  const store = new SettingsStore(input, loadConfig(input));
  const app = createWebApp({
    db,
    paths,
    log,
    version: "bench",
    engine,
    scheduler,
    recovery: createRecoveryPort({ state: new RecoveryState(), engine, scheduler, log }),
    auth,
    settings: createSettingsPort({ store, engine, scheduler, auth, log }),
    listenHost: "127.0.0.1",
    allowedHosts: [],
  });
  const headers = { Host: "localhost:5000", Cookie: `${SESSION_COOKIE}=${token}` };
  const samples: number[] = [];
  for (let run = 0; run < options.runs + 2; run++) {
    const started = performance.now();
    const res = await app.request("http://localhost:5000/backup/status", { headers });
    const html = await res.text();
    const elapsed = performance.now() - started;
    if (res.status !== 200 || !html.includes(records.at(-1)?.name ?? ""))
      throw new Error(`render failed: ${res.status}`);
    // The first two runs warm up the JIT and the file system cache.
    if (run >= 2) samples.push(elapsed);
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return summarize(
    `/backup/status with ${options.count} backups (server time)`,
    "ms",
    samples,
    options.count >= 1000 ? 50 : undefined,
  );
}
