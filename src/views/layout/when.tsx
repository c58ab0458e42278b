/** @jsxImportSource hono/jsx */
import { type At, dayAndTime, showTime, timeAgo, timeAhead, toDate } from "../../lib/time.ts";

const FORMATS = { day: dayAndTime, ago: timeAgo, ahead: timeAhead, exact: (d: Date) => showTime(d) } as const;

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
