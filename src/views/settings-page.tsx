/** @jsxImportSource hono/jsx */
import type { SettingSource } from "../config/load.ts";
import {
  envName,
  SETTING_ALLOWED,
  SETTING_DESCRIPTIONS,
  type SettingKey,
  type Settings,
} from "../config/schema.ts";
import type { SchedulerStatus } from "../scheduler/scheduler.ts";
import { showTime } from "./format.ts";
import { CsrfField, Notice, Page, type PageProps } from "./layout.tsx";

export interface SettingsPageProps extends PageProps {
  settings: Settings;
  sources: Record<SettingKey, SettingSource>;
  configFile: string;
  scheduler: SchedulerStatus;
  notice?: string | null;
  error?: string | null;
}

function fixedBy(key: SettingKey, source: SettingSource): string | null {
  if (source === "flag")
    return `set by the flag --${key.replaceAll("_", "-")}; change it where the app is started`;
  if (source === "environment") return `set by the environment variable ${envName(key)}`;
  return null;
}

function Field(props: {
  name: SettingKey;
  label: string;
  value: string;
  sources: SettingsPageProps["sources"];
}) {
  const fixed = fixedBy(props.name, props.sources[props.name]);
  const id = `setting-${props.name}`;
  return (
    <div class="form-row">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="text"
        value={props.value}
        disabled={fixed !== null}
        aria-describedby={`${id}-help`}
      />
      <p class="muted small" id={`${id}-help`}>
        {fixed ?? `Allowed: ${SETTING_ALLOWED[props.name]}.`}
      </p>
    </div>
  );
}

export function SettingsPage(props: SettingsPageProps) {
  const { settings, sources, viewer, scheduler } = props;
  const cadenceFixed =
    fixedBy("interval_hours", sources.interval_hours) ?? fixedBy("schedule", sources.schedule);
  const startupFixed = fixedBy("startup_backup", sources.startup_backup);
  return (
    <Page title="Settings" current="/settings" viewer={viewer} assets={props.assets}>
      <h1>Settings</h1>
      {props.notice ? <Notice kind="ok">{props.notice}</Notice> : null}
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <form method="post" action="/settings" class="panel">
        <CsrfField viewer={viewer} />
        <h2>Automatic backups</h2>
        <fieldset disabled={cadenceFixed !== null}>
          <legend>When</legend>
          <label class="inline">
            <input type="radio" name="mode" value="interval" checked={settings.schedule === null} /> Every few
            hours
          </label>
          <label for="setting-interval_hours">Hours between automatic backups</label>
          <input
            id="setting-interval_hours"
            name="interval_hours"
            type="text"
            value={String(settings.interval_hours)}
          />
          <label class="inline">
            <input type="radio" name="mode" value="schedule" checked={settings.schedule !== null} /> On a
            schedule
          </label>
          <label for="setting-schedule">Cron expression</label>
          <input
            id="setting-schedule"
            name="schedule"
            type="text"
            value={settings.schedule ?? ""}
            placeholder="0 30 */6 * * *"
          />
          <p class="muted small">{cadenceFixed ?? `Allowed: ${SETTING_ALLOWED.schedule}.`}</p>
        </fieldset>
        <Field
          name="max_backups"
          label="Automatic backups to keep"
          value={String(settings.max_backups)}
          sources={sources}
        />
        <Field
          name="max_manual_backups"
          label="Manual backups to keep"
          value={String(settings.max_manual_backups)}
          sources={sources}
        />
        <Field
          name="max_pre_restore_backups"
          label="Safety backups (taken before restores) to keep"
          value={String(settings.max_pre_restore_backups)}
          sources={sources}
        />
        <div class="form-row">
          <input type="hidden" name="startup_backup" value="false" />
          <label class="inline">
            <input
              type="checkbox"
              name="startup_backup"
              value="true"
              checked={settings.startup_backup}
              disabled={startupFixed !== null}
            />{" "}
            {SETTING_DESCRIPTIONS.startup_backup}
          </label>
          {startupFixed ? <p class="muted small">{startupFixed}</p> : null}
        </div>
        <h2>Audit trail</h2>
        <Field
          name="audit_retention_days"
          label="Days an entry of the audit trail is kept"
          value={String(settings.audit_retention_days)}
          sources={sources}
        />
        <Field
          name="audit_max_entries"
          label="Entries kept at most (the oldest go first)"
          value={String(settings.audit_max_entries)}
          sources={sources}
        />
        <div class="form-row">
          <button type="submit">Save settings</button>
        </div>
        <p class="muted small">
          Saved to <code>{props.configFile}</code> and applied at once.
        </p>
      </form>
      <section class="panel">
        <h2>Scheduler</h2>
        <p>
          {scheduler.active ? "Active" : scheduler.paused ? "Paused" : "Inactive"}, {scheduler.cadence}
          {scheduler.nextRun ? `; next at ${showTime(scheduler.nextRun)}` : ""}.
        </p>
        {scheduler.active || scheduler.paused ? (
          <form method="post" action="/backup/scheduler">
            <CsrfField viewer={viewer} />
            <input type="hidden" name="back" value="/settings" />
            <input type="hidden" name="action" value={scheduler.paused ? "resume" : "pause"} />
            <button type="submit" class="secondary">
              {scheduler.paused ? "Resume automatic backups" : "Pause automatic backups"}
            </button>
          </form>
        ) : null}
      </section>
      <section class="panel">
        <h2>Set at start</h2>
        <dl class="facts">
          <dt>Port</dt>
          <dd>{settings.port}</dd>
          <dt>Address</dt>
          <dd>{settings.host}</dd>
          <dt>Largest upload</dt>
          <dd>{settings.max_upload_mb} MB</dd>
          <dt>Manual backups per user</dt>
          <dd>{settings.manual_backups_per_hour} an hour</dd>
          <dt>Extra host names</dt>
          <dd>{settings.allowed_hosts.join(", ") || "none"}</dd>
        </dl>
        <p class="muted small">
          These take effect at the next start; see the README for their flags and variables.
        </p>
      </section>
    </Page>
  );
}
