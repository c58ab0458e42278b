import { userInfo } from "node:os";
import { createSessionStore } from "../auth/sessions.ts";
import { BackupEngine } from "../backup/engine.ts";
import { retentionOf } from "../backup/retention.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { DatabaseHandle } from "../db/handle.ts";
import type { Log } from "../lib/log.ts";
import { systemClock } from "../lib/time.ts";

/** The flags every command that works on the data folder accepts. */
export const DATA_FLAGS = [
  { name: "data-dir", value: "DIR", help: "folder for the database, backups and settings" },
  {
    name: "config",
    value: "FILE",
    help: "settings file (default business-app.config.json in the data folder)",
  },
];

/**
 * The backup engine of the app. After every restore all sessions end, those carried inside the
 * restored file too, so an old cookie never comes back to life.
 */
export function createEngine(
  config: LoadedConfig,
  log: Log,
  db: DatabaseHandle | null,
  onDatabaseUnusable?: (reason: string) => void,
): BackupEngine {
  const engine = new BackupEngine({
    ...(onDatabaseUnusable ? { onDatabaseUnusable } : {}),
    database: config.paths.database,
    backupsDir: config.paths.backupsDir,
    operationLock: config.paths.operationLock,
    log,
    retention: retentionOf(config.settings),
    manualBackupsPerHour: config.settings.manual_backups_per_hour,
    db,
  });
  engine.onRestored((restored) => createSessionStore({ db: restored, clock: systemClock }).endAll());
  return engine;
}

/** How the log and the list name a person at the command line. */
export function commandLineUser(): string {
  try {
    return `command line (${userInfo().username})`;
  } catch {
    return "command line";
  }
}
