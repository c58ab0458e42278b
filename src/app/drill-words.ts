import type { DrillResult } from "../backup/index.ts";
import { timeAgo, timeAhead } from "../lib/time.ts";
import type { DrillStatus } from "./status.ts";

/**
 * The last restore drill in one sentence, as the dashboard and the Database Backup page say it:
 * "Last restore drill: passed 3 days ago with backup_20250922_143000.db", or when it failed and
 * why, or that none has run yet (and when the first will).
 */
export function drillSentence(drill: DrillStatus, now: Date): string {
  const { last } = drill;
  if (!last) {
    if (drill.intervalDays === 0) return "No restore drill has run yet; scheduled drills are off.";
    return drill.nextDue
      ? `No restore drill has run yet; the first runs ${timeAhead(drill.nextDue, now)}.`
      : "No restore drill has run yet.";
  }
  const with_ = last.backup ? ` with ${last.backup}` : "";
  if (last.ok) return `Last restore drill: passed ${timeAgo(last.at, now)}${with_}.`;
  return `Last restore drill: failed ${timeAgo(last.at, now)}${with_} (${last.reason}).`;
}

/** When the next scheduled drill runs, in words; null when drills are off. */
export function nextDrill(drill: DrillStatus, now: Date): string | null {
  if (drill.intervalDays === 0 || !drill.nextDue) return null;
  const due = new Date(drill.nextDue);
  return due <= now ? "within minutes" : timeAhead(due, now);
}

/** A drill just run, in one sentence: what the command prints, and the page's message after the button. */
export function describeDrill(result: DrillResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (!result.ok)
    return `Restore drill failed${result.backup ? ` with ${result.backup}` : ""}: ${result.reason}`;
  return (
    `Restore drill passed: ${result.backup} was restored into a temporary file, opened with this version's migrations, ` +
    `passed integrity_check, and holds the ${result.rows} rows in ${result.tables} tables recorded when it was made (${seconds} s).`
  );
}
