import { createdMs, type ManifestRecord } from "./manifest.ts";
import { spaceNeeded } from "./space.ts";

const DAY_MS = 86_400_000;
/** The trend of a backup's size is drawn from the verified backups of this many days back. */
export const TREND_DAYS = 30;
/** A forecast reaches this far: a month's trend says nothing trustworthy about the year after. */
export const HORIZON_DAYS = 365;
/** Halvings of the horizon when the day the disk fills is looked for: far below a minute. */
const SEARCH_STEPS = 40;

export interface ForecastInput {
  now: Date;
  /** The backup folder's listing (any order). */
  backups: Pick<ManifestRecord, "kind" | "createdAt" | "size" | "health" | "databaseId">[];
  /** What retention keeps of the automatic backups: the newest N and the calendar's periods. */
  keptAutomatic: KeptAutomatic;
  /** Automatic backups a day on the schedule. */
  backupsPerDay: number;
  /** Free bytes on the disk that holds the backup folder. */
  freeBytes: number;
  /**
   * Continuous protection's history in the folder: its bytes now, the first moment it reaches
   * back to (ISO 8601), and the days it keeps (null: it is off, and what is there stays as it is).
   */
  continuous: { bytes: number; from: string | null; keepDays: number | null } | null;
}

/** Retention's limits for automatic backups: the newest `last`, and the newest of each period. */
export interface KeptAutomatic {
  last: number;
  daily: number;
  weekly: number;
  monthly: number;
  yearly: number;
}

const DAYS_A_MONTH = 30.44;
const DAYS_A_YEAR = 365.25;

/**
 * How many automatic backups retention holds `days` from now, at most: the newest `last` fill at
 * the schedule's pace; the calendar's periods add at most one backup per new day, week, month and
 * year until each holds its count. Counted from the `now` backups there are, never past the sum of
 * all limits. A shop that starts today does not reach its yearly backups for years, and a forecast
 * that filled them at the schedule's pace would warn of a full disk that is years away.
 */
export function keptAutomaticAt(
  kept: KeptAutomatic,
  now: number,
  backupsPerDay: number,
  days: number,
): number {
  const total = kept.last + kept.daily + kept.weekly + kept.monthly + kept.yearly;
  const recent = Math.min(backupsPerDay * days, Math.max(0, kept.last - now));
  const calendar =
    Math.min(kept.daily, days) +
    Math.min(kept.weekly, days / 7) +
    Math.min(kept.monthly, days / DAYS_A_MONTH) +
    Math.min(kept.yearly, days / DAYS_A_YEAR);
  return Math.min(total, Math.max(now, Math.min(total, now + recent + calendar)));
}

/** The numbers a forecast was made from. */
export interface ForecastBasis {
  freeBytes: number;
  /** What the backup folder holds now: every backup and continuous protection's history. */
  folderBytes: number;
  /** The newest verified backup's size: what an automatic backup is taken to be today. */
  backupBytes: number;
  /** How much a backup grows a day (the trend; 0 when it stays or shrinks). */
  growthBytesPerDay: number;
  /** Automatic backups retention keeps once steady: the sum of its limits. */
  keptBackups: number;
  backupsPerDay: number;
  /** Continuous protection's history once it reaches back its kept days (0 without one). */
  continuousBytes: number;
  /** The folder at its fullest once retention is steady, at today's backup size. */
  steadyBytes: number;
  /** The verified backups the trend was drawn from, and the days between the first and last of them. */
  samples: number;
  historyDays: number;
}

export type DiskForecast =
  | { state: "not_enough_history"; days: null; fullAt: null; basis: ForecastBasis }
  | { state: "no_end_in_sight"; days: null; fullAt: null; basis: ForecastBasis }
  | { state: "full"; days: number; fullAt: string; basis: ForecastBasis };

/** Uploaded and external files are someone else's database: they say nothing of this one's growth. */
const MADE_HERE = new Set(["startup", "automatic", "manual", "pre_restore", "pre_update"]);

/** Least-squares slope of `y` over `x`; 0 when all `x` are equal. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * In how many days the disk that holds the backups is full, at the rate things go. The model:
 * the disk's room for the folder is its free space plus what the folder already holds. Against it
 * stands the folder at its fullest `t` days from now — the backups that are not automatic ones as
 * they are (they come by hand or by event, not by schedule), continuous protection's history (as
 * now, or scaled up to its kept days while it is younger than that), and the automatic backups:
 * as many as there are now, growing as retention lets them (`keptAutomaticAt`), each the size of
 * the newest verified backup plus the trend's growth, and one more being written with the margin
 * a backup needs (`spaceNeeded`) before retention removes the oldest. Every part only grows, so
 * the day it passes the room is found by halving. The trend is the least-squares slope of size
 * over time of the verified backups of the last 30 days (of the database the newest one is of);
 * a shrinking database counts as not growing. Answers: `not_enough_history` (fewer than two such
 * backups, or less than a day between them), `no_end_in_sight` (it still fits a year from now),
 * or `full` in `days` (rounded; 0: full now).
 */
export function forecastDiskFull(input: ForecastInput): DiskForecast {
  const { now, freeBytes, keptAutomatic, backupsPerDay } = input;
  const nowMs = now.getTime();
  // Sizes come from the manifest on disk: one that is no size counts as nothing rather than spoil the sums.
  const backups = input.backups.filter((b) => Number.isFinite(b.size) && b.size >= 0);
  // Each time read once (and kept with the listing): with thousands of backups, parsing shows.
  const made = backups
    .filter((b) => b.health === "verified" && MADE_HERE.has(b.kind))
    .map((b) => ({ b, at: createdMs(b) }))
    .filter((m) => Number.isFinite(m.at))
    .sort((m, n) => n.at - m.at);
  const newest = made[0]?.b;
  const database = newest?.databaseId ?? null;
  const points = made
    .filter(({ b }) => !database || !b.databaseId || b.databaseId === database)
    .map(({ b, at }) => ({ x: (at - nowMs) / DAY_MS, y: b.size }))
    .filter((p) => p.x >= -TREND_DAYS && p.x <= 0);
  const first = points.reduce((min, p) => Math.min(min, p.x), Number.POSITIVE_INFINITY);
  const last = points.reduce((max, p) => Math.max(max, p.x), Number.NEGATIVE_INFINITY);
  const historyDays = points.length > 0 ? last - first : 0;
  const growth = points.length >= 2 ? Math.max(0, slope(points)) : 0;
  const size0 = newest?.size ?? 0;

  const automatic = backups.filter((b) => b.kind === "automatic" && b.health === "verified");
  const automaticBytes = automatic.reduce((s, b) => s + b.size, 0);
  const backupBytes = backups.reduce((s, b) => s + b.size, 0);
  const fixedBytes = backupBytes - automaticBytes;
  const continuous = continuousAt(input, nowMs);
  const folderBytes = backupBytes + (input.continuous?.bytes ?? 0);
  const room = freeBytes + folderBytes;

  const steadyCount =
    keptAutomatic.last +
    keptAutomatic.daily +
    keptAutomatic.weekly +
    keptAutomatic.monthly +
    keptAutomatic.yearly;
  const need = (days: number) => {
    const size = size0 + growth * days;
    const count = keptAutomaticAt(keptAutomatic, automatic.length, backupsPerDay, days);
    return fixedBytes + continuous(days) + count * size + spaceNeeded(size);
  };
  const basis: ForecastBasis = {
    freeBytes,
    folderBytes,
    backupBytes: size0,
    growthBytesPerDay: Math.round(growth),
    keptBackups: steadyCount,
    backupsPerDay: Math.round(backupsPerDay * 100) / 100,
    continuousBytes: Math.round(continuous(HORIZON_DAYS)),
    steadyBytes: Math.round(fixedBytes + continuous(HORIZON_DAYS) + steadyCount * size0 + spaceNeeded(size0)),
    samples: points.length,
    historyDays: Math.round(historyDays * 10) / 10,
  };
  if (points.length < 2 || historyDays < 1)
    return { state: "not_enough_history", days: null, fullAt: null, basis };
  if (need(HORIZON_DAYS) <= room) return { state: "no_end_in_sight", days: null, fullAt: null, basis };
  let low = 0;
  let high = HORIZON_DAYS;
  if (need(0) > room) high = 0;
  for (let i = 0; i < SEARCH_STEPS && high > 0; i++) {
    const mid = (low + high) / 2;
    if (need(mid) > room) high = mid;
    else low = mid;
  }
  return {
    state: "full",
    days: Math.round(high),
    fullAt: new Date(nowMs + high * DAY_MS).toISOString(),
    basis,
  };
}

/**
 * Continuous protection's history `days` from now: as it is, or, while it reaches back less than
 * its kept days (and at least one), growing at the pace it grew so far until it reaches them.
 */
function continuousAt(input: ForecastInput, nowMs: number): (days: number) => number {
  const c = input.continuous;
  if (!c || c.bytes <= 0) return () => 0;
  const reach = c.from ? (nowMs - Date.parse(c.from)) / DAY_MS : Number.NaN;
  if (c.keepDays === null || !(reach >= 1) || reach >= c.keepDays) return () => c.bytes;
  const keepDays = c.keepDays;
  return (days) => (c.bytes * Math.min(keepDays, reach + days)) / reach;
}
