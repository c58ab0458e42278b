import type { DiskForecast } from "../../backup/index.ts";
import { formatBytes } from "../../lib/format.ts";

/** Under this many days the forecast is an alert (`disk_full_soon`) and is said in red. */
export const FULL_SOON_DAYS = 14;

/** "within a day", "in about a day", "in about 40 days". */
export function fullIn(days: number): string {
  if (days <= 0) return "within a day";
  return days === 1 ? "in about a day" : `in about ${days} days`;
}

/** True when the forecast says the disk fills within `FULL_SOON_DAYS`. */
export function fullSoon(forecast: DiskForecast | null | undefined): boolean {
  return forecast?.state === "full" && forecast.days < FULL_SOON_DAYS;
}

/** The forecast as one sentence for the status panel (the page and the command line say it alike). */
export function forecastSentence(forecast: DiskForecast): string {
  if (forecast.state === "not_enough_history")
    return "Too few days of backups yet to tell when the disk will be full.";
  if (forecast.state === "no_end_in_sight") return "Room for the backups for the foreseeable future.";
  return `At this rate the disk is full ${fullIn(forecast.days)}.`;
}

/** What the forecast was made from, in words: the backup's size, its growth, how many are kept. */
export function forecastBasisWords(forecast: DiskForecast): string {
  const b = forecast.basis;
  const growth = b.growthBytesPerDay > 0 ? `, growing ${formatBytes(b.growthBytesPerDay)} a day` : "";
  return `a backup is ${formatBytes(b.backupBytes)}${growth}, ${b.keptBackups} automatic ones are kept, and ${formatBytes(b.freeBytes)} is free`;
}
