import { Cron } from "croner";
import { describePreset, presetOf } from "./presets.ts";

/** Automatic backups every N hours, or at the times of a cron expression. */
export type Cadence = { hours: number } | { cron: string };

/**
 * "every 6 hours", "every 30 minutes", a schedule picked from the Settings page's list in words
 * ("daily at 02:00"), or 'on the schedule "0 30 *\/6 * * *"'.
 */
export function describeCadence(cadence: Cadence): string {
  if ("cron" in cadence) return describePreset(presetOf(cadence)) ?? `on the schedule "${cadence.cron}"`;
  const { hours } = cadence;
  if (hours === 1) return "every hour";
  if (Number.isInteger(hours)) return `every ${hours} hours`;
  const minutes = Math.round(hours * 60);
  return minutes === 1 ? "every minute" : `every ${minutes} minutes`;
}

/** The first run after `from` (croner computes cron times); throws for a schedule with none left. */
export function nextRunAfter(cadence: Cadence, from: Date): Date {
  if ("cron" in cadence) {
    const next = new Cron(cadence.cron, { paused: true }).nextRun(from);
    if (!next) throw new Error(`the schedule "${cadence.cron}" has no next run`);
    return next;
  }
  return new Date(from.getTime() + cadence.hours * 3600_000);
}

/**
 * The next `count` runs after `from`, for showing a schedule before it is saved: a cron
 * expression's times as croner computes them (fewer when the schedule ends), or every N hours
 * counted from `from`. Throws croner's error for an expression it cannot read.
 */
export function nextRuns(cadence: Cadence, from: Date, count: number): Date[] {
  if ("cron" in cadence) return new Cron(cadence.cron, { paused: true }).nextRuns(count, from);
  return Array.from(
    { length: count },
    (_, i) => new Date(from.getTime() + (i + 1) * cadence.hours * 3600_000),
  );
}

/** The most runs of a cron schedule counted for `runsPerDay`: beyond ~30 a day, the pace of the first 200 is near enough. */
const MAX_COUNTED_RUNS = 200;

/**
 * Automatic backups a day, on average: 24 / N for every N hours; for a cron schedule, its runs in
 * the week after `from` (croner computes them; counting stops at 200, and then the pace of those
 * is the answer), so weekdays-only or opening-hours schedules count what they really do; 0 for a
 * schedule with no run left.
 */
export function runsPerDay(cadence: Cadence, from: Date): number {
  if (!("cron" in cadence)) return 24 / cadence.hours;
  const end = from.getTime() + 7 * 86_400_000;
  const cron = new Cron(cadence.cron, { paused: true });
  let count = 0;
  let at: Date | null = from;
  while (count < MAX_COUNTED_RUNS) {
    at = cron.nextRun(at);
    if (!at || at.getTime() > end) break;
    count++;
  }
  // Counting stopped early: the pace of the runs counted is the schedule's.
  if (at && count === MAX_COUNTED_RUNS) return (count * 86_400_000) / (at.getTime() - from.getTime());
  return (count * 86_400_000) / (end - from.getTime());
}

/** The first retry of a failed automatic backup comes after this; each next one waits twice as long. */
const FIRST_RETRY_MS = 60_000;

/**
 * When to try a failed automatic backup again: 1, 2, 4, 8 … minutes after it failed (`failures`
 * in a row so far, counting this one), or null when that would not be before the next regular
 * run, which then takes its place.
 */
export function retryTime(failures: number, failedAt: Date, nextRun: Date): Date | null {
  const delay = FIRST_RETRY_MS * 2 ** Math.min(Math.max(failures - 1, 0), 20);
  const at = new Date(failedAt.getTime() + delay);
  return at.getTime() < nextRun.getTime() ? at : null;
}
