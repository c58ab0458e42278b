import { type DiskForecast, forecastDiskFull, type ManifestRecord } from "../../backup/index.ts";
import type { Settings } from "../../config/schema.ts";
import type { Clock } from "../../lib/time.ts";
import { runsPerDay } from "../../scheduler/cadence.ts";
import type { ContinuousRoom } from "../continuous.ts";
import { backupCadence, keptAutomaticBackups } from "../settings/options.ts";

/** Continuous protection's history is listed again after this long (the alerts look every minute). */
const ROOM_FRESH_MS = 60_000;
/** A cron schedule's pace is counted again after this long, or when the schedule changes. */
const PACE_FRESH_MS = 3600_000;

export interface DiskForecasterDeps {
  settings: () => Settings;
  clock: Clock;
  /** What continuous protection's history takes in the backup folder (it lists files: asked at most once a minute). */
  continuousRoom?: () => ContinuousRoom;
}

/**
 * The disk-full forecast (`forecastDiskFull`) from the app's state: the listing and free space the
 * alerts already have, the schedule's pace and retention from the settings, and continuous
 * protection's history. What costs (listing the chains, counting a cron schedule's runs) is kept
 * for a while, so the status and the alerts may ask as often as they look.
 */
export class DiskForecaster {
  readonly #deps: DiskForecasterDeps;
  #room: { at: number; value: ContinuousRoom } | null = null;
  #pace: { key: string; at: number; perDay: number } | null = null;

  constructor(deps: DiskForecasterDeps) {
    this.#deps = deps;
  }

  /** The forecast now; null when the free space cannot be told (the folder is missing). */
  forecast(listing: ManifestRecord[], freeBytes: number | null): DiskForecast | null {
    if (freeBytes === null) return null;
    const settings = this.#deps.settings();
    const now = this.#deps.clock();
    const room = this.#continuousRoom(now.getTime());
    return forecastDiskFull({
      now,
      backups: listing,
      keptAutomatic: keptAutomaticBackups(settings),
      backupsPerDay: this.#backupsPerDay(settings, now),
      freeBytes,
      continuous: room && {
        ...room,
        keepDays: settings.continuous_protection ? settings.continuous_keep_days : null,
      },
    });
  }

  #continuousRoom(now: number): ContinuousRoom | null {
    const read = this.#deps.continuousRoom;
    if (!read) return null;
    if (!this.#room || now - this.#room.at >= ROOM_FRESH_MS || now < this.#room.at)
      this.#room = { at: now, value: read() };
    return this.#room.value;
  }

  #backupsPerDay(settings: Settings, now: Date): number {
    const cadence = backupCadence(settings);
    const key = JSON.stringify(cadence);
    const at = now.getTime();
    const pace = this.#pace;
    if (pace && pace.key === key && at - pace.at < PACE_FRESH_MS && at >= pace.at) return pace.perDay;
    this.#pace = { key, at, perDay: runsPerDay(cadence, now) };
    return this.#pace.perDay;
  }
}
