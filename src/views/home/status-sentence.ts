import type { AlertId, AppStatus } from "../../app/status.ts";
import { secondsAgo, timeAgo, timeAhead } from "../../lib/time.ts";

/** The answer to "is my data safe?": one sentence, and a colour for how urgent it is. */
export interface StatusSentence {
  tone: "ok" | "warn" | "bad";
  text: string;
  /** The alert this sentence already says, left out of the alerts beside it so it is not said twice. */
  covers?: AlertId;
}

/** A good backup older than this is news even when nothing failed (the app was off, say). */
const STALE_MS = 8 * 86_400_000;

/**
 * A reason to sit in brackets inside the sentence: its first sentence, lower-cased, without its
 * own bracketed details or full stop ("Not enough disk space (needs 1.2 GB, 300 MB free)." → "not
 * enough disk space"); the details are in the facts below.
 */
function inSentence(message: string): string {
  const first = message.trim().split(/\.\s/)[0] ?? "";
  const text = first.replace(/\s*\([^()]*\)[.\s]*$/, "").replace(/[.\s]+$/, "") || first;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * The status sentence of the dashboard and the Database Backup page, from the real status: the
 * worst thing true right now wins (recovery mode, a damaged database, a failed automatic backup,
 * no good backup, automatic backups off, an old newest backup, then any other alert); otherwise
 * the data is protected.
 */
export function statusSentence(status: AppStatus, now: Date): StatusSentence {
  const { scheduler, health } = status;
  const latest = status.backups.latest;
  const last = latest
    ? `the last good backup was made ${timeAgo(latest.createdAt, now)}`
    : "there is no good backup";
  if (status.recoveryMode) {
    return { tone: "bad", text: "Attention: the database cannot be used until a backup is restored." };
  }
  if (status.operation?.action === "restore") {
    return { tone: "warn", text: "A backup is being restored now; everyone signs in again afterwards." };
  }
  if (health && !health.ok && !health.busy) {
    return {
      tone: "bad",
      text: `Attention: the database is damaged (${inSentence(health.reason ?? "it failed its check")}); ${last}. Restore a good backup.`,
    };
  }
  const lastRun = scheduler.lastRun;
  if (lastRun && !lastRun.ok && (!latest || latest.createdAt < lastRun.at)) {
    const retry = scheduler.retryAt ? `; it is tried again ${timeAhead(scheduler.retryAt, now)}` : "";
    return {
      tone: "bad",
      text: `Attention: the last automatic backup failed ${timeAgo(lastRun.at, now)} (${inSentence(lastRun.message)})${retry}.`,
      covers: "automatic_backup_failed",
    };
  }
  if (!latest) {
    return {
      tone: "warn",
      text: "Attention: there is no good backup yet. Create one now.",
      covers: "backup_stale",
    };
  }
  const ago = timeAgo(latest.createdAt, now);
  if (!scheduler.active) {
    const state = scheduler.paused ? "paused" : "off";
    return { tone: "warn", text: `Automatic backups are ${state}: the last backup was ${ago}.` };
  }
  const nextAt = scheduler.nextRun ? timeAhead(scheduler.nextRun, now) : null;
  if (now.getTime() - new Date(latest.createdAt).getTime() > STALE_MS) {
    const coming = nextAt ? `; the next automatic one is ${nextAt}` : "";
    return {
      tone: "warn",
      text: `Attention: the last good backup was made ${ago}${coming}.`,
      covers: "backup_stale",
    };
  }
  // Anything else that needs attention (a failed restore drill, little disk space …) outranks "protected".
  const alert = status.alerts[0];
  if (alert) {
    const what = alert.message.charAt(0).toLowerCase() + alert.message.slice(1);
    const more = status.alerts.length - 1;
    return {
      tone: "warn",
      text: `Attention: ${what}${more > 0 ? ` (and ${more} more below)` : ""}`,
      covers: alert.id,
    };
  }
  const backups = `last backup ${ago}${nextAt ? `, next ${nextAt}` : ""}`;
  const continuous = status.continuous;
  if (continuous?.active) {
    // With places: "copied" once every place has it, else how far the slowest is behind.
    const places = Object.values(continuous.places);
    const behind = Math.max(0, ...places.map((p) => p.lagSeconds));
    const verb = places.length > 0 && behind === 0 ? "copied" : "captured";
    const change = continuous.lastCapturedAt
      ? `last change ${verb} ${secondsAgo(continuous.lastCapturedAt, now)}`
      : "from now on";
    const late = behind > 0 ? ` (off-site ${behind} second${behind === 1 ? "" : "s"} behind)` : "";
    return { tone: "ok", text: `Every change is protected: ${change}${late}; ${backups}.` };
  }
  return { tone: "ok", text: `Your data is protected: ${backups}.` };
}
