import { clockTime, timeAgo, timeAhead } from "../../lib/time.ts";
import type { OffsiteStatus } from "../../offsite/status.ts";
import type { StatusSentence } from "../home/status-sentence.ts";

/** The newest copy of all targets, or null. */
export function lastCopyAt(status: OffsiteStatus): string | null {
  const times = status.targets.map((t) => t.lastCopyAt).filter((t): t is string => t !== null);
  // ISO times in UTC sort as they happened.
  return times.sort().at(-1) ?? null;
}

/**
 * The line about off-site copies under the status sentence: null when they are not set up;
 * "Off-site copies are failing since 14:00: access denied" (naming the place when only one of
 * two fails); otherwise "Off-site: last copy 2 hours ago".
 */
export function offsiteSentence(status: OffsiteStatus | null, now: Date): StatusSentence | null {
  if (!status) return null;
  const failing = status.targets.filter((t) => t.failingSince !== null);
  const first = failing[0];
  if (first) {
    const to = failing.length === status.targets.length ? "" : ` to ${first.label}`;
    const since = failing.map((t) => t.failingSince as string).sort()[0] as string;
    const retry = status.retryAt ? `; tried again ${timeAhead(status.retryAt, now)}` : "";
    return {
      tone: "bad",
      text: `Off-site copies${to} are failing since ${clockTime(since, now)}: ${first.lastError ?? "unknown error"}${retry}.`,
    };
  }
  const last = lastCopyAt(status);
  if (last) return { tone: "ok", text: `Off-site: last copy ${timeAgo(last, now)}.` };
  if (status.running) return { tone: "warn", text: "Off-site: the first copies are being made now." };
  return { tone: "warn", text: "Off-site: no copy yet; the first one follows the next backup." };
}
