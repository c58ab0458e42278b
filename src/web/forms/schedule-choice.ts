import type { Settings } from "../../config/schema.ts";
import type { SettingsChange } from "../../config/settings-store.ts";
import { pad } from "../../lib/time.ts";
import { type Cadence, nextRuns } from "../../scheduler/cadence.ts";
import {
  OPENING_DAYS,
  type OpeningDays,
  presetCadence,
  presetOf,
  type SchedulePreset,
} from "../../scheduler/presets.ts";
import type { ScheduleChoice, ScheduleForm } from "../../views/settings/schedule-chooser.tsx";
import { badForm, WebError } from "../http-errors.ts";

/**
 * The schedule chooser of the Settings page: which choice and which values it shows for the
 * current settings, and the change a posted choice asks for. Presets become an ordinary interval
 * or cron expression, saved through the settings port with the same validation as any value.
 */

const CHOICES: readonly ScheduleChoice[] = ["every-6-hours", "opening-hours", "daily", "interval", "custom"];
const RECOMMENDED_HOURS = 6;
const DEFAULTS: ScheduleForm = {
  choice: "every-6-hours",
  openingFrom: 8,
  openingTo: 18,
  openingDays: "mon-sat",
  dailyTime: "18:00",
  intervalHours: String(RECOMMENDED_HOURS),
  cron: "",
};

/** The chooser as the current settings fill it: their schedule selected, defaults in the other choices. */
export function scheduleFormOf(settings: Settings): ScheduleForm {
  const preset = presetOf(
    settings.schedule ? { cron: settings.schedule } : { hours: settings.interval_hours },
  );
  switch (preset.kind) {
    case "interval":
      return preset.hours === RECOMMENDED_HOURS
        ? DEFAULTS
        : { ...DEFAULTS, choice: "interval", intervalHours: String(preset.hours) };
    case "opening-hours":
      return {
        ...DEFAULTS,
        choice: "opening-hours",
        openingFrom: preset.from,
        openingTo: preset.to,
        openingDays: preset.days,
      };
    case "daily":
      return { ...DEFAULTS, choice: "daily", dailyTime: `${pad(preset.hour)}:${pad(preset.minute)}` };
    case "custom":
      return { ...DEFAULTS, choice: "custom", cron: preset.cron };
  }
}

type Fields = Record<string, unknown>;

/** The chooser's fields as the page's form sends them. */
export function fieldsOf(form: ScheduleForm): Record<string, string> {
  return {
    schedule_choice: form.choice,
    opening_from: String(form.openingFrom),
    opening_to: String(form.openingTo),
    opening_days: form.openingDays,
    daily_time: form.dailyTime,
    interval_hours: form.intervalHours,
    schedule: form.cron,
  };
}
const text = (form: Fields, name: string) =>
  typeof form[name] === "string" ? (form[name] as string).trim() : "";

function hourOf(form: Fields, name: string, what: string): number {
  const value = text(form, name);
  const hour = Number(value);
  if (!/^\d{1,2}$/.test(value) || hour > 23) throw badForm(`${what}: choose an hour from 0 to 23.`);
  return hour;
}

/** True when the form says which schedule it chose ("fixed" when a flag or variable sets it). */
export function isScheduleChoice(value: unknown): value is ScheduleChoice | "fixed" {
  return value === "fixed" || CHOICES.includes(value as ScheduleChoice);
}

/**
 * The schedule a posted chooser asks for. A preset's fields are checked here (a clear message,
 * nothing changed); an interval or a cron expression typed in goes to the settings' own check.
 */
export function scheduleOfForm(form: Fields): SchedulePreset | { kind: "interval-text"; hours: string } {
  switch (form.schedule_choice as ScheduleChoice) {
    case "every-6-hours":
      return { kind: "interval", hours: RECOMMENDED_HOURS };
    case "opening-hours": {
      const from = hourOf(form, "opening_from", "Opening hours, from");
      const to = hourOf(form, "opening_to", "Opening hours, to");
      if (from >= to) throw badForm("Opening hours: the first backup must be before the last one.");
      const days = text(form, "opening_days");
      if (!(days in OPENING_DAYS)) throw badForm("Opening hours: choose the days.");
      return { kind: "opening-hours", from, to, days: days as OpeningDays };
    }
    case "daily": {
      const time = /^(\d{1,2}):(\d{2})$/.exec(text(form, "daily_time"));
      const [hour, minute] = [Number(time?.[1]), Number(time?.[2])];
      if (!time || hour > 23 || minute > 59) throw badForm("Daily backup: give a time such as 18:00.");
      return { kind: "daily", hour, minute };
    }
    case "interval":
      return { kind: "interval-text", hours: text(form, "interval_hours") };
    default:
      return { kind: "custom", cron: text(form, "schedule") };
  }
}

/** The part of a settings change that sets the schedule. */
export function scheduleChange(schedule: ReturnType<typeof scheduleOfForm>): Pick<SettingsChange, "mode"> & {
  values: Pick<SettingsChange["values"], "interval_hours" | "schedule">;
} {
  if (schedule.kind === "interval-text")
    return { mode: "interval", values: { interval_hours: schedule.hours } };
  const cadence = presetCadence(schedule);
  return "hours" in cadence
    ? { mode: "interval", values: { interval_hours: String(cadence.hours) } }
    : { mode: "schedule", values: { schedule: cadence.cron } };
}

/**
 * The next three backups of a chosen schedule after `now`, or why it has none. `first` is the
 * running scheduler's next run, when the schedule shown is the one it runs (an interval counts
 * from when it started, not from now).
 */
export function previewSchedule(
  form: Fields,
  now: Date,
  first?: Date,
): { runs: Date[] } | { problem: string } {
  try {
    const schedule = scheduleOfForm(form);
    let cadence: Cadence;
    if (schedule.kind === "interval-text") {
      const hours = Number(schedule.hours);
      if (!(hours >= 0.01 && hours <= 8760)) return { problem: "Give a number of hours from 0.01 to 8760." };
      cadence = { hours };
    } else {
      if (schedule.kind === "custom" && !schedule.cron) return { problem: "Type a cron expression." };
      cadence = presetCadence(schedule);
    }
    const runs = first ? [first, ...nextRuns(cadence, first, 2)] : nextRuns(cadence, now, 3);
    return runs.length > 0 ? { runs } : { problem: "This schedule never runs again." };
  } catch (error) {
    // A preset's own check says what to change; croner's message is for a cron expression.
    if (error instanceof WebError) return { problem: error.message };
    return {
      problem: `This schedule cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
