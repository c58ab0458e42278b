import type { DrillResult } from "../backup/index.ts";
import { timeAgo, timeAhead } from "../lib/time.ts";
import type { PlaceDrill, PlaceDrillStatus } from "../offsite/drills/drill.ts";
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

/** "the mirror folder" → "Mirror folder", "S3" → "S3": a place at the start of a label. */
const placeName = (label: string) => {
  const bare = label.replace(/^the /, "");
  return `${bare.charAt(0).toUpperCase()}${bare.slice(1)}`;
};

/**
 * One place's last off-site drill in one sentence, as the dashboard and the Database Backup page
 * say it beside the restore drill: "Off-site drill (Mirror folder): passed 2 days ago with
 * backup_20250922_143000.db.", or when it failed and why, or that none has run yet (and, for a
 * place with no copy yet, that there is nothing to drill).
 */
export function placeDrillSentence(place: PlaceDrillStatus, now: Date): string {
  const head = `Off-site drill (${placeName(place.label)}):`;
  const { last } = place;
  if (!last)
    return place.copies === 0
      ? `${head} not drilled yet; it holds no copy of a backup yet.`
      : `${head} not drilled yet.`;
  const with_ = last.backup ? ` with ${last.backup}` : "";
  if (last.ok) return `${head} passed ${timeAgo(last.at, now)}${with_}.`;
  return `${head} failed ${timeAgo(last.at, now)}${with_} (${last.reason}).`;
}

/** An off-site drill just run, in one sentence: what `drill --from` prints. */
export function describePlaceDrill(result: PlaceDrill): string {
  const head = `Off-site drill of ${result.label} (${result.where})`;
  if (result.noCopy) return `${head}: nothing to drill yet, it holds no copy of a backup.`;
  if (!result.ok) return `${head} failed${result.backup ? ` with ${result.backup}` : ""}: ${result.reason}`;
  const seconds = (result.durationMs / 1000).toFixed(1);
  const counted = `${result.rows} ${result.rows === 1 ? "row" : "rows"} in ${result.tables} tables`;
  const rows = result.countsCompared
    ? `holds the ${counted} recorded when it was made`
    : `holds ${counted} (no counts were recorded with the copy to compare them with)`;
  return (
    `${head} passed: its copy of ${result.backup} was downloaded into a temporary file, restored, opened with this version's migrations, ` +
    `passed integrity_check, and ${rows} (${seconds} s).`
  );
}
