import type { DiskForecast, ManifestRecord, RestoreResult } from "../backup/index.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { SettingKey } from "../config/schema.ts";
import type { SettingsChange } from "../config/settings-store.ts";
import type { Alert } from "./status.ts";

/**
 * What the app offers its faces (the web pages, and whatever else shows the app): recovery mode,
 * the settings and the alerts, each as an interface its service in `app/` implements.
 */

/** Recovery mode as the web sees it: the recovery page and the gate in front of every other page. */
export interface RecoveryPort {
  readonly active: boolean;
  /** Why the database cannot be used, as a sentence; null outside recovery mode. */
  readonly reason: string | null;
  /** True for the one-time token of the recovery link (compared in constant time). */
  accepts(token: string | null | undefined): boolean;
  /**
   * Restores the named backup (the newest usable one when `name` is null; from an off-site copy
   * when it is missing or damaged here), then leaves recovery mode and starts automatic backups again. Throws the engine's errors; stays in recovery mode then.
   */
  restore(name: string | null, by: string, expected?: string | null): Promise<RestoreResult>;
  /** True in recovery mode for a missing database file: starting with an empty one is offered. */
  readonly canStartEmpty: boolean;
  /** Starts with an empty database on purpose, keeping every backup; leaves recovery mode. */
  startEmpty(by: string): void;
}

/** The running app's settings and the one way to change them. */
export interface SettingsPort {
  readonly current: LoadedConfig;
  /** True when a flag or an environment variable sets the key, so the page cannot change it. */
  isFixed(key: SettingKey): boolean;
  /**
   * Validates the change with the same schema and precedence as at start, writes the config file
   * atomically and applies the result at once (schedule, retention, audit pruning), logged as
   * changed by `by`. Throws `ConfigError` and changes nothing when a value is not allowed, and
   * `FileInUseError` when another program keeps the settings file open.
   */
  apply(change: SettingsChange, by: string): Promise<LoadedConfig>;
}

/** The app's alerts: what needs someone's attention now. */
export interface AlertsPort {
  /** The alerts of the last look (at most a minute old): cheap, for `/api/health` and every page. */
  current(): Alert[];
  /** Looks again now (`listing`: the backups, when the caller has them). */
  refresh(listing?: ManifestRecord[]): Alert[];
  /** The disk-full forecast of the last look (null: the free space could not be told). */
  forecast(): DiskForecast | null;
}
