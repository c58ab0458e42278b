import { pad } from "../lib/time.ts";
import type { Cadence } from "./cadence.ts";

/**
 * Schedules a shop owner picks from a list instead of writing a cron expression. Each is an
 * ordinary cadence (an interval, or a cron expression of 5 fields), so it is saved, validated and
 * run like any other; `presetOf` recognises one again when the settings are shown.
 */
export type SchedulePreset =
  | { kind: "interval"; hours: number }
  | { kind: "opening-hours"; from: number; to: number; days: OpeningDays }
  | { kind: "daily"; hour: number; minute: number }
  | { kind: "custom"; cron: string };

export const OPENING_DAYS = {
  "every-day": { cron: "*", words: "every day" },
  "mon-fri": { cron: "1-5", words: "Monday to Friday" },
  "mon-sat": { cron: "1-6", words: "Monday to Saturday" },
} as const;
export type OpeningDays = keyof typeof OPENING_DAYS;

const OPENING = /^0 (\d{1,2})-(\d{1,2}) \* \* (\*|1-5|1-6)$/;
const DAILY = /^(\d{1,2}) (\d{1,2}) \* \* \*$/;

/** The cadence a preset runs on: every N hours, or its cron expression. */
export function presetCadence(preset: SchedulePreset): Cadence {
  switch (preset.kind) {
    case "interval":
      return { hours: preset.hours };
    case "opening-hours":
      return { cron: `0 ${preset.from}-${preset.to} * * ${OPENING_DAYS[preset.days].cron}` };
    case "daily":
      return { cron: `${preset.minute} ${preset.hour} * * *` };
    case "custom":
      return { cron: preset.cron };
  }
}

/** The preset a cadence is, or "custom" for any other cron expression. */
export function presetOf(cadence: Cadence): SchedulePreset {
  if ("hours" in cadence) return { kind: "interval", hours: cadence.hours };
  const cron = cadence.cron.trim();
  const opening = OPENING.exec(cron);
  if (opening) {
    const [from, to] = [Number(opening[1]), Number(opening[2])];
    const days = (Object.keys(OPENING_DAYS) as OpeningDays[]).find(
      (d) => OPENING_DAYS[d].cron === opening[3],
    );
    if (from < to && to <= 23 && days) return { kind: "opening-hours", from, to, days };
  }
  const daily = DAILY.exec(cron);
  if (daily) {
    const [minute, hour] = [Number(daily[1]), Number(daily[2])];
    if (minute <= 59 && hour <= 23) return { kind: "daily", hour, minute };
  }
  return { kind: "custom", cron };
}

/** A recognised schedule in words ("every hour from 08:00 to 18:00, Monday to Saturday"); null for a custom one. */
export function describePreset(preset: SchedulePreset): string | null {
  if (preset.kind === "opening-hours") {
    return `every hour from ${pad(preset.from)}:00 to ${pad(preset.to)}:00, ${OPENING_DAYS[preset.days].words}`;
  }
  if (preset.kind === "daily") return `daily at ${pad(preset.hour)}:${pad(preset.minute)}`;
  return null;
}
