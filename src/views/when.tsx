/** @jsxImportSource hono/jsx */
import { showTime } from "./format.ts";

/**
 * Times as people say them, in the server's local time, relative to `now` (the app's clock, so
 * tests can fix it): "Today 14:30", "2 hours ago", "next at 18:00". The exact time is always
 * one hover away (`<Time>` puts it in `title`).
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_MS = 86_400_000;

type At = string | Date;

const toDate = (at: At) => (typeof at === "string" ? new Date(at) : at);
const pad = (n: number) => String(n).padStart(2, "0");
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

const FORMATS = { day: dayAndTime, ago: timeAgo, ahead: timeAhead } as const;

/** A friendly time with the exact one (`2025-09-22 14:30:00`) on hover and for machines. */
export function Time(props: { at: At | null | undefined; now: Date; as?: keyof typeof FORMATS }) {
  if (!props.at) return <span>—</span>;
  const d = toDate(props.at);
  if (Number.isNaN(d.getTime())) return <span>—</span>;
  return (
    <time datetime={d.toISOString()} title={showTime(d)}>
      {FORMATS[props.as ?? "day"](d, props.now)}
    </time>
  );
}
