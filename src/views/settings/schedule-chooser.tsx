/** @jsxImportSource hono/jsx */
import { dayAndTime, pad } from "../../lib/time.ts";
import { OPENING_DAYS, type OpeningDays } from "../../scheduler/presets.ts";

export type ScheduleChoice = "every-6-hours" | "opening-hours" | "daily" | "interval" | "custom";

/** What the chooser shows: the chosen schedule, and the values of every choice. */
export interface ScheduleForm {
  choice: ScheduleChoice;
  openingFrom: number;
  openingTo: number;
  openingDays: OpeningDays;
  dailyTime: string;
  intervalHours: string;
  cron: string;
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);

function Choice(props: { value: ScheduleChoice; form: ScheduleForm; label: string; hint?: string }) {
  return (
    <label class="inline choice-label">
      <input
        type="radio"
        name="schedule_choice"
        value={props.value}
        checked={props.form.choice === props.value}
      />
      {props.label}
      {props.hint ? <span class="muted small"> {props.hint}</span> : null}
    </label>
  );
}

function HourSelect(props: { name: string; id: string; selected: number }) {
  return (
    <select name={props.name} id={props.id} class="narrow">
      {HOURS.map((h) => (
        <option value={String(h)} selected={h === props.selected}>
          {pad(h)}:00
        </option>
      ))}
    </select>
  );
}

/** The next three backups of the chosen schedule (refreshed by htmx as the choice changes). */
export function NextRuns(props: { preview: { runs: Date[] } | { problem: string }; now: Date }) {
  const { preview } = props;
  return (
    <p id="schedule-next" class="next-runs" aria-live="polite">
      {"problem" in preview ? (
        <span class="status-bad">{preview.problem}</span>
      ) : (
        <>
          <strong>Next backups:</strong> {preview.runs.map((d) => dayAndTime(d, props.now)).join(" · ")}
        </>
      )}
    </p>
  );
}

/**
 * When automatic backups run, as choices a shop owner reads, and a cron expression for experts.
 * Without JavaScript the next runs shown are those of the saved schedule; with htmx they follow
 * the choice as it changes.
 */
export function ScheduleChooser(props: {
  form: ScheduleForm;
  preview: { runs: Date[] } | { problem: string };
  now: Date;
  /** Why the page cannot change it (a flag or an environment variable sets it), or null. */
  fixed: string | null;
}) {
  const { form } = props;
  return (
    <fieldset
      class="schedule"
      disabled={props.fixed !== null}
      hx-get="/settings/schedule"
      hx-trigger="change, input delay:400ms"
      hx-sync="this:replace"
      hx-target="#schedule-next"
      hx-swap="outerHTML"
    >
      <legend>When automatic backups are made</legend>
      <Choice value="every-6-hours" form={form} label="Every 6 hours" hint="(recommended)" />
      <div class="choice">
        <Choice value="opening-hours" form={form} label="Every hour during opening hours" />
        <div class="choice-fields">
          <label for="opening-from">from</label>
          <HourSelect name="opening_from" id="opening-from" selected={form.openingFrom} />
          <label for="opening-to">to</label>
          <HourSelect name="opening_to" id="opening-to" selected={form.openingTo} />
          <label for="opening-days">on</label>
          <select name="opening_days" id="opening-days">
            {(Object.keys(OPENING_DAYS) as OpeningDays[]).map((d) => (
              <option value={d} selected={d === form.openingDays}>
                {OPENING_DAYS[d].words}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div class="choice">
        <Choice value="daily" form={form} label="Daily, at" />
        <div class="choice-fields">
          <label for="daily-time" class="visually-hidden">
            Time of the daily backup
          </label>
          {/* A text field, not type="time": that one shows "06:00 PM" where the browser's language
              has 12-hour times, and the app says every time in 24 hours. */}
          <input
            type="text"
            name="daily_time"
            id="daily-time"
            value={form.dailyTime}
            class="narrow"
            inputmode="numeric"
            pattern="([01]?[0-9]|2[0-3]):[0-5][0-9]"
            maxlength={5}
            placeholder="18:00"
            title="A time in 24 hours, such as 18:00"
          />
        </div>
      </div>
      <div class="choice">
        <Choice value="interval" form={form} label="Another interval: every" />
        <div class="choice-fields">
          <input
            type="text"
            inputmode="decimal"
            name="interval_hours"
            id="setting-interval_hours"
            value={form.intervalHours}
            class="narrow"
            aria-label="Hours between automatic backups"
          />
          <span>hours</span>
        </div>
      </div>
      <div class="choice">
        <Choice value="custom" form={form} label="Custom schedule, for experts" />
        <div class="choice-fields wide">
          <label for="setting-schedule" class="visually-hidden">
            Cron expression
          </label>
          <input
            type="text"
            name="schedule"
            id="setting-schedule"
            value={form.cron}
            placeholder="0 30 */6 * * *"
            aria-describedby="schedule-help"
          />
          <p class="muted small" id="schedule-help">
            A cron expression: minute, hour, day of month, month, day of week (a sixth field in front for
            seconds). "30 12 * * 1-5" is 12:30 on weekdays.
          </p>
        </div>
      </div>
      <NextRuns preview={props.preview} now={props.now} />
      {props.fixed ? <p class="muted small">{props.fixed}</p> : null}
    </fieldset>
  );
}
