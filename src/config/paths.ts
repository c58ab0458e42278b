import { realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isCompiledExecutable } from "#runtime/process.ts";

export const DATABASE_FILE = "business_data.db";
export const AUDIT_FILE = "business_audit.db";
export const BACKUPS_FOLDER = "database_backups";
export const LOG_FILE = "backup.log";
export const CONFIG_FILE = "business-app.config.json";
export const INSTANCE_LOCK_FILE = ".business-app.lock";

/** Beside the instance lock while the app serves: the address it answers at on this machine. */
export const runningUrlFile = (paths: { instanceLock: string }) => `${paths.instanceLock}.url`;
export const OPERATION_LOCK_FILE = ".business-app.operation.lock";
export const OFFSITE_LOCK_FILE = ".business-app.offsite.lock";
export const OFFSITE_KEY_LOCK_FILE = ".business-app.offsite-key.lock";
export const OFFSITE_LEDGER_FILE = "offsite.json";
export const OFFSITE_DRILL_LOCK_FILE = ".business-app.offsite-drill.lock";

/** Where every file of the app lives, all inside one folder so copying it moves everything. */
export interface DataPaths {
  dataDir: string;
  database: string;
  /** The audit trail, beside the database and never replaced by a restore. */
  audit: string;
  backupsDir: string;
  log: string;
  defaultConfigFile: string;
  instanceLock: string;
  /** Held during every backup and restore, by the server and the command line alike. */
  operationLock: string;
  /** Held while off-site copies are made, by the server and `offsite sync` alike. */
  offsiteLock: string;
  /** Held while a place's key is opened or made, by any process (with the place's id: `…-mirror.lock`). */
  offsiteKeyLock: string;
  /** What this installation wrote to each off-site place. */
  offsiteLedger: string;
  /** Held while an off-site drill runs, by the server and `drill --from` alike. */
  offsiteDrillLock: string;
}

export function dataPaths(dataDir: string): DataPaths {
  const dir = resolve(dataDir);
  const backupsDir = join(dir, BACKUPS_FOLDER);
  return {
    dataDir: dir,
    database: join(dir, DATABASE_FILE),
    audit: join(dir, AUDIT_FILE),
    backupsDir,
    log: join(backupsDir, LOG_FILE),
    defaultConfigFile: join(dir, CONFIG_FILE),
    instanceLock: join(dir, INSTANCE_LOCK_FILE),
    operationLock: join(dir, OPERATION_LOCK_FILE),
    offsiteLock: join(dir, OFFSITE_LOCK_FILE),
    offsiteKeyLock: join(dir, OFFSITE_KEY_LOCK_FILE),
    offsiteLedger: join(backupsDir, OFFSITE_LEDGER_FILE),
    offsiteDrillLock: join(dir, OFFSITE_DRILL_LOCK_FILE),
  };
}

/**
 * The longest name the app gives a file inside the backup folder: a manual backup's temporary
 * snapshot (`tempNameFor`) with a 50-character description and a same-second suffix, a process id
 * of up to 11 digits, plus SQLite's `-journal`
 * (`.manual_20250922_150000_<50>_99.db.snapshot.<pid>.tmp-journal`).
 */
const LONGEST_BACKUP_FILE_NAME = 113;

/** The longest path the app creates in its data folder. */
export function longestPathIn(paths: DataPaths): number {
  return paths.backupsDir.length + 1 + LONGEST_BACKUP_FILE_NAME;
}

/** The longest path a program may use: Windows' classic 260 characters (with the final NUL), elsewhere PATH_MAX. */
export function pathLimit(platform: string): number {
  return platform === "win32" ? 259 : 4095;
}

/** The project root when running from source: two levels above this file (`src/config/`). */
export const SOURCE_ROOT = resolve(import.meta.dirname, "..", "..");

/**
 * The app's own folder, never the current working directory: the folder of the real
 * executable (links resolved) when compiled, the project root when run from source.
 */
export function resolveAppDir(runtime: { compiled: boolean; execPath: string; sourceRoot: string }): string {
  if (!runtime.compiled) return runtime.sourceRoot;
  let exe = runtime.execPath;
  try {
    exe = realpathSync(exe);
  } catch {
    // The executable path could not be resolved (already deleted); its folder is still the best answer.
  }
  return dirname(exe);
}

export function currentAppDir(): string {
  return resolveAppDir({
    compiled: isCompiledExecutable(),
    execPath: process.execPath,
    sourceRoot: SOURCE_ROOT,
  });
}
