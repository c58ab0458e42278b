import type { DiskForecast, DrillResult } from "../../backup/index.ts";
import { spaceNeededKeepingRoom } from "../../backup/index.ts";
import { formatBytes } from "../../lib/format.ts";
import { timeAgo } from "../../lib/time.ts";
import { type Cadence, describeCadence, nextRunAfter } from "../../scheduler/cadence.ts";
import { PASSPHRASE_GRACE_DAYS } from "../settings/passphrase.ts";
import type { Alert } from "../status.ts";
import { FULL_SOON_DAYS, forecastBasisWords, fullIn, fullSoon } from "./forecast-words.ts";

const DAY_MS = 86_400_000;
/** A backup takes a while: a scheduled one is missed only this long after its time. */
const BACKUP_GRACE_MS = 15 * 60_000;
/** How far the clock may be behind the newest backup before it is said (a few minutes of drift are nothing). */
const CLOCK_SLACK_MS = 10 * 60_000;

/** Off-site copies as the alerts see them; null while they are not configured. */
export interface OffsiteHealth {
  /** Since when copies have been failing (ISO 8601), or null while they succeed. */
  failingSince: string | null;
  lastError: string | null;
  /** The places that hold encrypted copies while no passphrase is set here (nothing is written there). */
  targets?: { label: string; needsPassphrase: boolean; failingSince: string | null }[];
}

/** How long continuous protection may be down (a new chain on its way) before it is an alert. */
const CONTINUOUS_GRACE_MS = 2 * 60_000;

/** Continuous protection as the alerts see it; null while it is off or the app does not serve. */
export interface ContinuousHealth {
  /** Since when no change has been captured although protection is on (ISO 8601), or null while it captures. */
  downSince: string | null;
  problem: string | null;
  /** Each off-site place: seconds its oldest change not there yet has waited, and why the last try failed. */
  places?: { label: string; lagSeconds: number; problem: string | null }[];
}

/** A place this far behind is said (the mirror gets each change within seconds, S3 within 15). */
const PLACE_LAG_SECONDS = 5 * 60;

/** Everything the alerts are computed from; all of it is on disk or in the running app. */
export interface AlertInput {
  now: Date;
  /** When automatic backups run (the settings), whether or not they are paused now. */
  cadence: Cadence;
  lastAutomaticRun: { at: string; ok: boolean; message: string } | null;
  /** The last manual backup that started, and how it ended (null: none known). */
  lastManualRun?: { at: string; ok: boolean; message: string } | null;
  /** Why the backup folder cannot take a backup (`it cannot be written`), or null. */
  folderProblem?: string | null;
  /** The newest backup that passed its check. */
  latestHealthy: { createdAt: string } | null;
  /** The newest data time the app recorded for a backup it took (`newestDataAt`): what new backups are dated after. */
  newestDataAt?: string | null;
  drill: { intervalDays: number; last: DrillResult | null };
  /** Each off-site place's last drill, and the copies it holds (the same interval as `drill`). */
  placeDrills?: { label: string; copies: number | null; last: DrillResult | null }[];
  /** Since when the app has been watching (its first look): what "none yet" is counted from; null: unknown. */
  watchingSince: string | null;
  freeBytes: number | null;
  /** The database with its -wal: what the next backup copies. */
  databaseBytes: number;
  /** When the disk that holds the backups is full at the rate things go (`forecastDiskFull`); null: unknown. */
  forecast?: DiskForecast | null;
  offsite?: OffsiteHealth | null;
  continuous?: ContinuousHealth | null;
  /** When an administrator was due to type the off-site passphrase again; null when no check is due (none set, or checks off). */
  passphraseDueAt?: string | null;
}

/** Text that ends as a sentence does. */
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** The second scheduled run after `from` (plus a grace): a backup newer than `from` was due twice by then. */
function secondRunAfter(cadence: Cadence, from: Date): Date | null {
  try {
    return new Date(nextRunAfter(cadence, nextRunAfter(cadence, from)).getTime() + BACKUP_GRACE_MS);
  } catch {
    return null;
  }
}

/**
 * The alerts true at `input.now`, worst first; pure, so a test moves the clock and sees each one
 * start and clear. Backups: the last automatic one failed and no good backup came after it; no
 * good backup newer than two runs of the schedule (2× the interval, or two runs of the cron
 * expression as croner computes them). Drills: the last one failed (whether it ran on the schedule or
 * by hand); none ran in twice the interval (when drills are on). Free space below what two
 * backups need; else the forecast says the disk is full in under 14 days (`disk_full_soon`: the
 * low-space alert says it already when it is nearly full now). Off-site copies failing (when configured). Continuous protection down for more
 * than two minutes (`continuous_lagging`).
 */
export function computeAlerts(input: AlertInput): Alert[] {
  const { now, latestHealthy, lastAutomaticRun: run, drill } = input;
  const alerts: Alert[] = [];
  const at = (iso: string) => timeAgo(iso, now);
  if (run && !run.ok && (!latestHealthy || latestHealthy.createdAt < run.at)) {
    alerts.push({
      id: "automatic_backup_failed",
      since: run.at,
      message: sentence(
        `The last automatic backup failed ${at(run.at)}${run.message ? `: ${run.message}` : ""}`,
      ),
      action: `${run.message ? "Put that right" : "Look at the log for the reason (often a full disk) and put it right"}, then create a backup on the Database Backup page; the app tries again by itself meanwhile.`,
    });
  }
  const manual = input.lastManualRun;
  if (manual && !manual.ok && (!latestHealthy || latestHealthy.createdAt < manual.at)) {
    alerts.push({
      id: "manual_backup_failed",
      since: manual.at,
      message: sentence(`The last backup made by hand failed ${at(manual.at)}: ${manual.message}`),
      action: "Put the cause right (the reason says what), then create a backup again on Database Backup.",
    });
  }
  if (input.folderProblem) {
    alerts.push({
      id: "backup_folder_unwritable",
      since: now.toISOString(),
      message: `The backup folder cannot take a backup: ${input.folderProblem}.`,
      action:
        "Give BusinessApp's user the right to write the database_backups folder beside the app (or free the disk it is on), then create a backup.",
    });
  }
  // A clock set back (or a PC that lost its date) would make "newest" and retention go by the wrong time.
  const newestData = input.newestDataAt ? Date.parse(input.newestDataAt) : Number.NaN;
  if (newestData > now.getTime() + CLOCK_SLACK_MS) {
    alerts.push({
      id: "clock_behind",
      since: now.toISOString(),
      message: `This PC's clock is behind the newest backup, made ${new Date(newestData).toISOString().replace("T", " ").slice(0, 16)} UTC: new backups are dated after it, so that they count as the newest.`,
      action: "Set this PC's date and time (Windows: Settings, Time & language), then restart BusinessApp.",
    });
  }
  const reference = latestHealthy?.createdAt ?? input.watchingSince;
  const staleAt = reference ? secondRunAfter(input.cadence, new Date(reference)) : now;
  if (staleAt && staleAt <= now) {
    alerts.push({
      id: "backup_stale",
      since: staleAt.toISOString(),
      message: latestHealthy
        ? `The newest good backup was made ${at(latestHealthy.createdAt)}, though automatic backups are due ${describeCadence(input.cadence)}.`
        : "There is no good backup of the database.",
      action:
        "Make sure BusinessApp is running and automatic backups are on (Database Backup), and create a backup now.",
    });
  }
  const last = drill.last;
  if (last && !last.ok) {
    alerts.push({
      id: "drill_failed",
      since: last.at,
      message: sentence(`The last restore drill failed ${at(last.at)}: ${last.reason}`),
      action:
        "Create a new backup and start a restore drill again (Database Backup, or business-app drill); if it fails again, copy the whole data folder to a safe place and get help.",
    });
  }
  const drillFrom = last?.at ?? input.watchingSince;
  if (drill.intervalDays > 0 && drillFrom && (!last || last.ok)) {
    const overdue = new Date(new Date(drillFrom).getTime() + 2 * drill.intervalDays * DAY_MS);
    if (overdue <= now) {
      alerts.push({
        id: "drill_overdue",
        since: overdue.toISOString(),
        message: last
          ? `No restore drill has run since ${at(last.at)}; one should run every ${drill.intervalDays} days.`
          : `No restore drill has run yet; one should run every ${drill.intervalDays} days.`,
        action:
          "Start one now (Database Backup, Test a restore, or business-app drill), and keep BusinessApp running so that it runs them by itself.",
      });
    }
  }
  alerts.push(...placeDrillAlerts(input, at));
  const needed = spaceNeededKeepingRoom(input.databaseBytes);
  if (input.freeBytes !== null && input.freeBytes < needed) {
    alerts.push({
      id: "low_disk_space",
      since: now.toISOString(),
      message: `Only ${formatBytes(input.freeBytes)} of disk space is free where the backups are kept; two more backups need ${formatBytes(needed)}.`,
      action:
        "Free space on that disk (delete files you do not need, or copy old backups elsewhere), or keep fewer backups (Settings).",
    });
  } else if (input.forecast?.state === "full" && fullSoon(input.forecast)) {
    alerts.push({
      id: "disk_full_soon",
      since: now.toISOString(),
      message: `At this rate the disk that holds the backups is full ${fullIn(input.forecast.days)}: ${forecastBasisWords(input.forecast)}.`,
      action: `Within ${FULL_SOON_DAYS} days, free space on that disk (delete files you do not need, or copy old backups elsewhere), keep fewer backups (Settings), or move the data folder to a larger disk; otherwise automatic backups start to fail.`,
    });
  }
  const offsite = input.offsite;
  const locked = offsite?.targets?.filter((t) => t.needsPassphrase) ?? [];
  if (locked.length > 0) {
    const places = locked.map((t) => t.label).join(" and ");
    alerts.push({
      id: "offsite_passphrase_missing",
      since: locked[0]?.failingSince ?? now.toISOString(),
      message: `The off-site copies in ${places} are encrypted, and no passphrase is set on this PC: nothing is copied there until it is.`,
      action:
        "Type the passphrase those copies were made with on the Settings page (Off-site copies, Passphrase), or set BUSINESS_APP_OFFSITE_PASSPHRASE where BusinessApp starts.",
    });
  }
  // A place that only waits for its passphrase is said above; any other failure is said here.
  const otherFailures = offsite?.targets
    ? offsite.targets.some((t) => t.failingSince && !t.needsPassphrase)
    : !!offsite?.failingSince;
  if (offsite?.failingSince && otherFailures) {
    alerts.push({
      id: "offsite_failing",
      since: offsite.failingSince,
      message: sentence(
        `Off-site copies of the backups have been failing since ${at(offsite.failingSince)}${offsite.lastError ? `: ${offsite.lastError}` : ""}`,
      ),
      action:
        "Check that the off-site place is reachable and its settings are right (business-app offsite test); the local backups go on meanwhile.",
    });
  }
  const down = input.continuous?.downSince;
  if (down && now.getTime() - new Date(down).getTime() >= CONTINUOUS_GRACE_MS) {
    const why = input.continuous?.problem;
    alerts.push({
      id: "continuous_lagging",
      since: down,
      message: sentence(`Changes have not been captured since ${at(down)}${why ? `: ${why}` : ""}`),
      action: `Changes made since then are kept only by the database itself and the next backup. ${why ? "Put that right" : "Look at the log for the reason (often a full disk) and put it right"}; the capture starts again by itself.`,
    });
  }
  const late = (input.continuous?.places ?? []).filter((p) => p.lagSeconds > PLACE_LAG_SECONDS);
  if (!down && late.length > 0) {
    const worst = late.reduce((a, b) => (b.lagSeconds > a.lagSeconds ? b : a));
    const since = new Date(now.getTime() - worst.lagSeconds * 1000).toISOString();
    alerts.push({
      id: "continuous_lagging",
      since,
      message: sentence(
        `Changes have not reached ${worst.label} since ${at(since)}${worst.problem ? `: ${worst.problem}` : ""}`,
      ),
      action:
        "Check that the off-site place is reachable (business-app offsite test); the changes wait on this PC and go there, in order, once it is.",
    });
  }
  const passphraseDue = input.passphraseDueAt ? Date.parse(input.passphraseDueAt) : Number.NaN;
  const unconfirmedAt = passphraseDue + PASSPHRASE_GRACE_DAYS * DAY_MS;
  if (unconfirmedAt <= now.getTime()) {
    alerts.push({
      id: "passphrase_unconfirmed",
      since: new Date(unconfirmedAt).toISOString(),
      message: `The off-site passphrase was due to be typed again ${at(new Date(passphraseDue).toISOString())}, and nobody has: it may be forgotten, and the copies open only with it.`,
      action:
        "An administrator types it on the dashboard (Check the passphrase). If nobody knows it any more, set up off-site copies anew in an empty place with a new passphrase, and print the emergency kit.",
    });
  }
  return alerts;
}

/**
 * Off-site drills: the last drill of a place failed (one alert for every such place); a place that
 * holds copies had no drill in twice the interval (when drills are on). A place with no copy yet
 * has nothing to drill: no alert.
 */
function placeDrillAlerts(input: AlertInput, at: (time: string) => string): Alert[] {
  const alerts: Alert[] = [];
  const places = input.placeDrills ?? [];
  const failed = places.flatMap((p) => (p.last && !p.last.ok ? [{ ...p, last: p.last }] : []));
  if (failed.length > 0) {
    alerts.push({
      id: "offsite_drill_failed",
      since: failed.map((p) => p.last.at).sort()[0] as string,
      message: failed
        .map((p) =>
          sentence(
            `The last off-site drill of ${p.label} failed ${at(p.last.at)}${p.last.backup ? ` with ${p.last.backup}` : ""}: ${p.last.reason}`,
          ),
        )
        .join(" "),
      action:
        "The copies there may not restore on a new PC. Check that the place is reachable and the passphrase is the one the copies were made with, then start the off-site drill again (business-app drill --from mirror or s3); a new backup makes a new copy there.",
    });
  }
  const days = input.drill.intervalDays;
  if (days === 0) return alerts;
  const overdue = places.flatMap((p) => {
    const from = p.last?.at ?? input.watchingSince;
    if (p.copies === 0 || p.copies === null || (p.last && !p.last.ok) || !from) return [];
    const due = new Date(new Date(from).getTime() + 2 * days * DAY_MS);
    return due <= input.now ? [{ label: p.label, last: p.last, due }] : [];
  });
  const first = overdue[0];
  if (first) {
    alerts.push({
      id: "offsite_drill_overdue",
      since: first.due.toISOString(),
      message: overdue
        .map((p) =>
          p.last
            ? `The last off-site drill of ${p.label} ran ${at(p.last.at)}; one should run every ${days} days.`
            : `No off-site drill of ${p.label} has run yet; one should run every ${days} days.`,
        )
        .join(" "),
      action:
        "Keep BusinessApp running so that it runs them by itself, or start one now (business-app drill --from mirror or s3).",
    });
  }
  return alerts;
}
