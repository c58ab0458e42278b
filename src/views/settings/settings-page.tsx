/** @jsxImportSource hono/jsx */
import type { PassphraseStatus } from "../../app/settings/passphrase.ts";
import type { SettingSource } from "../../config/load.ts";
import type { SettingKey, Settings } from "../../config/schema.ts";
import type { TargetTest } from "../../offsite/places/targets.ts";
import type { SchedulerStatus } from "../../scheduler/scheduler.ts";
import { CsrfField, Notice, Page, type PageProps } from "../layout/layout.tsx";
import { Time } from "../layout/when.tsx";
import { OffsiteSettings } from "../offsite/offsite-settings.tsx";
import { EmailSettings } from "./email-settings.tsx";
import { RetentionPreviewPanel } from "./retention-preview.tsx";
import { ScheduleChooser, type ScheduleForm } from "./schedule-chooser.tsx";
import { Field, fixedBy, SwitchField } from "./setting-field.tsx";
import { labelOf } from "./setting-labels.ts";

export interface SettingsPageProps extends PageProps {
  settings: Settings;
  sources: Record<SettingKey, SettingSource>;
  configFile: string;
  scheduler: SchedulerStatus;
  schedule: ScheduleForm;
  /** The next runs of the saved schedule. */
  preview: { runs: Date[] } | { problem: string };
  notice?: string | null;
  error?: string | null;
  /** The results of the off-site connection test, when it was just run. */
  offsiteTests?: TargetTest[] | null;
  passphrase: PassphraseStatus;
  /** What the test e-mail just did, when it was just sent. */
  emailTest?: { ok: boolean; message: string } | null;
}

function SchedulerPanel(props: { viewer: PageProps["viewer"]; scheduler: SchedulerStatus; now: Date }) {
  const { scheduler, viewer, now } = props;
  return (
    <section class="panel" aria-labelledby="scheduler-heading">
      <h2 id="scheduler-heading">Pause automatic backups</h2>
      <p>
        Automatic backups are <strong>{scheduler.active ? "on" : scheduler.paused ? "paused" : "off"}</strong>
        , {scheduler.cadence}
        {scheduler.nextRun ? (
          <>
            ; the next one is <Time at={scheduler.nextRun} now={now} as="ahead" />
          </>
        ) : null}
        .
      </p>
      {scheduler.active || scheduler.paused ? (
        <form method="post" action="/backup/scheduler">
          <CsrfField viewer={viewer} />
          <input type="hidden" name="back" value="/settings" />
          <input type="hidden" name="action" value={scheduler.paused ? "resume" : "pause"} />
          <p class="muted small">
            A pause lasts until you resume them here or on the Database Backup page, or until BusinessApp
            starts again.
          </p>
          <button type="submit" class="secondary">
            {scheduler.paused ? "Resume automatic backups" : "Pause automatic backups"}
          </button>
        </form>
      ) : null}
    </section>
  );
}

function StartSettings(props: { settings: Settings }) {
  const { settings } = props;
  return (
    <section class="panel" aria-labelledby="start-heading">
      <h2 id="start-heading">Set when BusinessApp starts</h2>
      <dl class="facts">
        <dt>Address of these pages</dt>
        <dd>
          {settings.host}, port {settings.port}
        </dd>
        <dt>Largest backup file to upload</dt>
        <dd>{settings.max_upload_mb} MB</dd>
        <dt>Backups one person may make in an hour</dt>
        <dd>{settings.manual_backups_per_hour}</dd>
        <dt>Other names of this PC</dt>
        <dd>{settings.allowed_hosts.join(", ") || "none"}</dd>
      </dl>
      <p class="muted small">
        These change only where BusinessApp is started: with an option of the program, such as{" "}
        <code>business-app --port 5001</code>, or an environment variable, such as{" "}
        <code>BUSINESS_APP_PORT=5001</code>. <code>business-app --help</code> lists them all.
      </p>
    </section>
  );
}

export function SettingsPage(props: SettingsPageProps) {
  const { settings, sources, viewer, scheduler, now } = props;
  const cadenceFixed =
    fixedBy("interval_hours", sources.interval_hours) ?? fixedBy("schedule", sources.schedule);
  return (
    <Page title="Settings" current="/settings" viewer={viewer} assets={props.assets}>
      <h1>Settings</h1>
      <p>
        When BusinessApp copies your data by itself, and how many copies it keeps. Saving applies them at
        once. New here? The <a href="/welcome">set-up guide</a> does the important part in three steps.
      </p>
      {props.notice ? <Notice kind="ok">{props.notice}</Notice> : null}
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <form method="post" action="/settings" class="panel">
        <CsrfField viewer={viewer} />
        <h2>Automatic backups</h2>
        <p>While BusinessApp runs, it makes a backup of the database by itself at these times.</p>
        {cadenceFixed ? <input type="hidden" name="schedule_choice" value="fixed" /> : null}
        <ScheduleChooser form={props.schedule} preview={props.preview} now={now} fixed={cadenceFixed} />
        <SwitchField
          name="startup_backup"
          label="Also make a backup every time BusinessApp starts"
          checked={settings.startup_backup}
          sources={sources}
        />
        <h2>How many backups to keep</h2>
        <p>
          When there are more, the oldest are removed. The newest good backup is never removed, and damaged
          copies do not count.
        </p>
        <fieldset
          id="retention-fields"
          hx-get="/settings/retention-preview"
          hx-trigger="change, input delay:500ms"
          hx-include="#retention-fields input"
          hx-sync="this:replace"
          hx-target="#retention-preview"
          hx-swap="outerHTML"
        >
          <legend>
            Automatic backups: the newest ones, and one from each day, week, month and year before
          </legend>
          {(["max_backups", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly"] as const).map(
            (name) => (
              <Field name={name} label={labelOf(name)} value={String(settings[name])} sources={sources} />
            ),
          )}
          <p class="muted small">
            Days, weeks (Monday to Sunday) and months as the calendar of this PC has them, counted back from
            today. While the last automatic backup failed, or the newest is not checked yet, nothing is
            removed.
          </p>
          <RetentionPreviewPanel preview={null} now={now} />
        </fieldset>
        <Field
          name="max_manual_backups"
          label={labelOf("max_manual_backups")}
          value={String(settings.max_manual_backups)}
          sources={sources}
        />
        <Field
          name="max_pre_restore_backups"
          label={labelOf("max_pre_restore_backups")}
          value={String(settings.max_pre_restore_backups)}
          sources={sources}
        />
        <Field
          name="max_pre_update_backups"
          label={labelOf("max_pre_update_backups")}
          value={String(settings.max_pre_update_backups)}
          sources={sources}
        />
        <Field
          name="max_startup_backups"
          label={labelOf("max_startup_backups")}
          value={String(settings.max_startup_backups)}
          sources={sources}
        />
        <h2>Restore drills</h2>
        <p>
          BusinessApp proves now and then that the newest good backup can be restored, without touching your
          data.
        </p>
        <Field
          name="drill_interval_days"
          label={labelOf("drill_interval_days")}
          value={String(settings.drill_interval_days)}
          sources={sources}
        />
        <h2>Audit trail</h2>
        <p>The audit trail records who signed in and what they changed (Users, then Audit trail).</p>
        <Field
          name="audit_retention_days"
          label={labelOf("audit_retention_days")}
          value={String(settings.audit_retention_days)}
          sources={sources}
        />
        <Field
          name="audit_max_entries"
          label={labelOf("audit_max_entries")}
          value={String(settings.audit_max_entries)}
          sources={sources}
        />
        <div class="form-row">
          <button type="submit">Save settings</button>
        </div>
        <p class="muted small">
          Saved in the settings file <code class="path">{props.configFile}</code>.
        </p>
      </form>
      <OffsiteSettings
        viewer={viewer}
        settings={settings}
        sources={sources}
        tests={props.offsiteTests ?? null}
        passphrase={props.passphrase}
        now={now}
      />
      <EmailSettings viewer={viewer} settings={settings} sources={sources} test={props.emailTest ?? null} />
      <SchedulerPanel viewer={viewer} scheduler={scheduler} now={now} />
      <StartSettings settings={settings} />
    </Page>
  );
}
