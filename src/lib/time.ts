/** A source of the current time; passed in so tests can control it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Two digits: `7` → `07`, as times and dates are written. */
export const pad = (n: number) => String(n).padStart(2, "0");

/** `2025-09-22 14:30:00` in local time, as the backup log writes it. */
export function formatLogTime(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** `20250922_143000` in local time, as backup file names carry it. */
export function formatFileStamp(date: Date): string {
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}_` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
  );
}

/** An ISO time as the log writes it: local `2025-09-22 14:30:00`; "—" when there is none. */
export function showTime(iso: string | Date | null | undefined): string {
  if (!iso) return "—";
  const date = typeof iso === "string" ? new Date(iso) : iso;
  return Number.isNaN(date.getTime()) ? "—" : formatLogTime(date);
}

/**
 * Times as people say them, in the server's local time, relative to `now` (the app's clock, so
 * tests can fix it): "Today 14:30", "2 hours ago", "next at 18:00". The exact time is always
 * one hover away (`<Time>` puts it in `title`).
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_MS = 86_400_000;

/** A time as ISO 8601 text or a date. */
export type At = string | Date;

export const toDate = (at: At) => (typeof at === "string" ? new Date(at) : at);
const clock = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
const date = (d: Date, now: Date) =>
  `${d.getDate()} ${MONTHS[d.getMonth()]}${d.getFullYear() === now.getFullYear() ? "" : ` ${d.getFullYear()}`}`;

/** Calendar days from `now`'s day to `d`'s day: 0 today, -1 yesterday, 1 tomorrow (DST-safe). */
function daysFrom(now: Date, d: Date): number {
  const start = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  return Math.round((start(d) - start(now)) / DAY_MS);
}

/** For lists: "Today 14:30", "Yesterday 09:00", "Tomorrow 02:00", otherwise "22 Sep 2025 14:30". */
export function dayAndTime(at: At, now: Date): string {
  const d = toDate(at);
  if (Number.isNaN(d.getTime())) return "—";
  const days = daysFrom(now, d);
  if (days === 0) return `Today ${clock(d)}`;
  if (days === -1) return `Yesterday ${clock(d)}`;
  if (days === 1) return `Tomorrow ${clock(d)}`;
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${clock(d)}`;
}

/** For sentences about the past: "just now", "20 minutes ago", "2 hours ago", "yesterday at 09:00", "on 3 Aug". */
export function timeAgo(at: At, now: Date): string {
  const d = toDate(at);
  if (Number.isNaN(d.getTime())) return "at an unknown time";
  const minutes = Math.floor((now.getTime() - d.getTime()) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return minutes === 1 ? "1 minute ago" : `${minutes} minutes ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 12) return hours === 1 ? "1 hour ago" : `${hours} hours ago`;
  const days = daysFrom(now, d);
  if (days === 0) return `today at ${clock(d)}`;
  if (days === -1) return `yesterday at ${clock(d)}`;
  if (days > -7) return `${-days} days ago`;
  return `on ${date(d, now)}`;
}

/** A moment as a `datetime-local` field holds it, in local time to the second: `2026-12-06T14:05:09`. */
export function localInputTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `timeAgo`, to the second under a minute ("2 seconds ago"): for what happens every few seconds. */
export function secondsAgo(at: At, now: Date): string {
  const seconds = Math.floor((now.getTime() - toDate(at).getTime()) / 1000);
  if (seconds >= 60 || Number.isNaN(seconds)) return timeAgo(at, now);
  if (seconds < 1) return "just now";
  return seconds === 1 ? "1 second ago" : `${seconds} seconds ago`;
}

/** For sentences about the future: "at 18:00" (today), "tomorrow at 02:00", "on 29 Sep at 02:00". */
export function timeAhead(at: At, now: Date): string {
  const d = toDate(at);
  if (Number.isNaN(d.getTime())) return "at an unknown time";
  const days = daysFrom(now, d);
  if (days <= 0) return `at ${clock(d)}`;
  if (days === 1) return `tomorrow at ${clock(d)}`;
  return `on ${date(d, now)} at ${clock(d)}`;
}

/** For "since when": "14:00" (today), "yesterday at 14:00", "22 Sep at 14:00". */
export function clockTime(at: At, now: Date): string {
  const d = toDate(at);
  if (Number.isNaN(d.getTime())) return "an unknown time";
  const days = daysFrom(now, d);
  if (days === 0) return clock(d);
  if (days === -1) return `yesterday at ${clock(d)}`;
  return `${date(d, now)} at ${clock(d)}`;
}

const LOCAL_MOMENT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const ZONED_MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A moment as a person types it: `now`, ISO 8601 with its zone (`2026-12-06T14:05:00Z`,
 * `…+01:00`), or local time `YYYY-MM-DD HH:MM[:SS]` (a `T` may stand for the space). Null for
 * anything else, and for a local time the calendar does not have (30 February, 25:00).
 */
export function parseMoment(text: string, now: Date): Date | null {
  const t = text.trim();
  if (t.toLowerCase() === "now") return now;
  if (ZONED_MOMENT.test(t)) {
    const d = new Date(t);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = LOCAL_MOMENT.exec(t);
  if (!m) return null;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1, 7).map((v) => Number(v ?? 0));
  const date = new Date(y, mo - 1, d, h, mi, s, Number((m[7] ?? "0").padEnd(3, "0")));
  const fits =
    date.getFullYear() === y &&
    date.getMonth() === mo - 1 &&
    date.getDate() === d &&
    date.getHours() === h &&
    date.getMinutes() === mi;
  return fits ? date : null;
}
