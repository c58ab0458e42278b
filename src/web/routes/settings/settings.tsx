/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AlertEmail } from "../../../app/alerts/alert-email.ts";
import type { PassphraseKeeper } from "../../../app/settings/passphrase.ts";
import {
  PREVIEW_KEYS,
  previewRetention,
  withRetentionValues,
} from "../../../app/settings/retention-preview.ts";
import type { Auth } from "../../../auth/auth.ts";
import type { BackupEngine } from "../../../backup/index.ts";
import { ConfigError } from "../../../config/load.ts";
import { EDITABLE_KEYS, type SettingsChange } from "../../../config/settings-store.ts";
import { MailError, type MailFailure } from "../../../lib/smtp.ts";
import type { TargetTest } from "../../../offsite/places/targets.ts";
import type { OffsiteService } from "../../../offsite/service.ts";
import type { BackupScheduler } from "../../../scheduler/scheduler.ts";
import { RetentionPreviewPanel } from "../../../views/settings/retention-preview.tsx";
import { NextRuns } from "../../../views/settings/schedule-chooser.tsx";
import { refusedSettingWords } from "../../../views/settings/setting-labels.ts";
import { SettingsPage } from "../../../views/settings/settings-page.tsx";
import { audited } from "../../audit.ts";
import type { AppEnv } from "../../context.ts";
import type { SettingsPort } from "../../deps.ts";
import { showProblemsWith } from "../../errors.tsx";
import { emailChangeOf, emailFormProblem } from "../../forms/email-form.ts";
import { readForm, textField } from "../../forms/form.ts";
import { offsiteChangeOf } from "../../forms/offsite-form.ts";
import {
  fieldsOf,
  isScheduleChoice,
  previewSchedule,
  scheduleChange,
  scheduleFormOf,
  scheduleOfForm,
} from "../../forms/schedule-choice.ts";
import { redirectTo, respondFragment, respondPage } from "../../html.ts";
import { badForm } from "../../http-errors.ts";
import { pagePropsOf, viewerOf } from "../../viewer.ts";

type Form = Awaited<ReturnType<typeof readForm>>;

const INCOMPLETE = "The settings form was incomplete; nothing was changed. Reload the page and try again.";

/**
 * The change the Settings form asks for. The page always sends the schedule choice ("fixed"
 * when a flag or a variable sets the schedule) and the startup switch (a hidden "false" before
 * the checkbox): a post without them is not from the page, and must not reset anything.
 */
function changeOf(form: Form, cadenceFixed: boolean): SettingsChange {
  const choice = form.schedule_choice;
  if (
    !isScheduleChoice(choice) ||
    (choice === "fixed") !== cadenceFixed ||
    form.startup_backup === undefined
  ) {
    throw badForm(INCOMPLETE);
  }
  const values: SettingsChange["values"] = {};
  for (const key of EDITABLE_KEYS) {
    const raw = form[key];
    if (key === "startup_backup") values[key] = Array.isArray(raw) ? raw.includes("true") : raw === "true";
    else if (typeof raw === "string" && key !== "interval_hours" && key !== "schedule")
      values[key] = raw.trim();
  }
  if (choice === "fixed") return { mode: "interval", values };
  const schedule = scheduleChange(scheduleOfForm(form));
  return { mode: schedule.mode, values: { ...values, ...schedule.values } };
}

/** What a shop owner can try after a failed test e-mail, where there is something to try. */
const MAIL_HINTS: Partial<Record<MailFailure, string>> = {
  auth: "Many providers want an app password here, made in the account's security settings.",
  certificate:
    "If the mail server is your own, save its certificate as a file on this PC and give it as the certificate file to trust.",
  no_starttls: "Choose SSL/TLS (usually port 465) if your provider offers it.",
};

/** The Settings page (super admin): backup and audit settings saved to the config file and applied at once. */
export function settingsRoutes(deps: {
  settings: SettingsPort;
  engine: BackupEngine;
  scheduler: BackupScheduler;
  auth: Auth;
  offsite: OffsiteService;
  passphrase: PassphraseKeeper;
  email: Pick<AlertEmail, "test">;
}) {
  const app = new Hono<AppEnv>();
  const cadenceFixed = () => deps.settings.isFixed("interval_hours") || deps.settings.isFixed("schedule");

  function page(
    c: Context<AppEnv>,
    extra: {
      notice?: string | null;
      error?: string | null;
      offsiteTests?: TargetTest[];
      emailTest?: { ok: boolean; message: string };
    },
    status?: ContentfulStatusCode,
  ) {
    const current = deps.settings.current;
    const props = pagePropsOf(c);
    const schedule = scheduleFormOf(current.settings);
    const next = deps.scheduler.status().nextRun;
    return respondPage(
      c,
      <SettingsPage
        {...props}
        settings={current.settings}
        sources={current.sources}
        configFile={current.configFile}
        scheduler={deps.scheduler.status()}
        schedule={schedule}
        preview={previewSchedule(fieldsOf(schedule), props.now, next ? new Date(next) : undefined)}
        passphrase={deps.passphrase.status()}
        {...extra}
      />,
      status,
    );
  }

  app.get("/settings", (c) =>
    page(c, { notice: c.req.query("saved") !== undefined ? "Settings saved and applied." : null }),
  );

  // The next three backups of the schedule being chosen, as the chooser changes (htmx).
  app.get("/settings/schedule", (c) => {
    const now = c.get("clock")();
    return respondFragment(c, <NextRuns preview={previewSchedule(c.req.query(), now)} now={now} />);
  });

  // What retention would keep and remove with the numbers being typed (htmx); changes nothing.
  app.get("/settings/retention-preview", (c) => {
    const now = c.get("clock")();
    const query = c.req.query();
    const values = Object.fromEntries(
      PREVIEW_KEYS.flatMap((key) => (key in query ? [[key, query[key]]] : [])),
    );
    try {
      const settings = withRetentionValues(deps.settings.current.settings, values);
      return respondFragment(
        c,
        <RetentionPreviewPanel preview={previewRetention(deps, settings)} now={now} />,
      );
    } catch (error) {
      if (!(error instanceof ConfigError) || !error.issue) throw error;
      const problem = refusedSettingWords(error.issue);
      return respondFragment(c, <RetentionPreviewPanel preview={null} problem={problem} now={now} />);
    }
  });

  app.post("/settings", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const change = changeOf(await readForm(c, { all: true }), cadenceFixed());
    await audited(c, deps.auth, "settings: save", null, () =>
      deps.settings.apply(change, viewerOf(c).username),
    );
    return redirectTo(c, "/settings?saved");
  });

  app.post("/settings/offsite", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const change = offsiteChangeOf(await readForm(c, { all: true }));
    await audited(c, deps.auth, "settings: save off-site", null, () =>
      deps.settings.apply(change, viewerOf(c).username),
    );
    return redirectTo(c, "/settings?saved#offsite");
  });

  // Typed twice, proven against the places that hold encrypted copies, then the kit to print.
  app.post("/settings/passphrase", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const form = await readForm(c);
    await audited(c, deps.auth, "settings: set passphrase", null, () =>
      deps.passphrase.save(
        textField(form, "passphrase"),
        textField(form, "passphrase2"),
        viewerOf(c).username,
      ),
    );
    return redirectTo(c, "/settings/emergency-kit?saved");
  });

  // Tries the saved settings as a copy would: write, read back, remove, list.
  app.post("/settings/offsite/test", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const tests = await audited(c, deps.auth, "settings: test off-site", null, () => deps.offsite.test());
    const failed = tests.filter((t) => !t.ok).length;
    return page(c, {
      offsiteTests: tests,
      ...(failed
        ? { error: "The connection test failed: see Off-site copies below." }
        : { notice: "The connection test passed." }),
    });
  });

  app.post("/settings/email", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const change = emailChangeOf(await readForm(c, { all: true }));
    await audited(c, deps.auth, "settings: save e-mail", null, async () => {
      try {
        return await deps.settings.apply(change, viewerOf(c).username);
      } catch (error) {
        // Said as the page names things, not as the settings file does.
        const problem =
          error instanceof ConfigError ? emailFormProblem(change, deps.settings.current.settings) : null;
        throw problem ? badForm(problem) : error;
      }
    });
    return redirectTo(c, "/settings?saved#email");
  });

  // Sends a test e-mail with the saved settings and says in words what happened.
  app.post("/settings/email/test", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const outcome = await audited(c, deps.auth, "settings: test e-mail", null, async () => {
      try {
        const sent = await deps.email.test();
        return {
          ok: true,
          message: `Test e-mail sent to ${sent.to.join(", ")}. Look in that inbox (and its spam folder).`,
        };
      } catch (error) {
        if (!(error instanceof MailError)) throw error;
        const words = error.message.charAt(0).toUpperCase() + error.message.slice(1);
        const hint = error.failure ? MAIL_HINTS[error.failure] : undefined;
        return {
          ok: false,
          message:
            error.code === "mail.not_configured"
              ? "E-mail alerts are not set up yet: fill in the mail server, the addresses and save first."
              : `The test e-mail was not sent: ${words}.${hint ? ` ${hint}` : ""}`,
        };
      }
    });
    return page(c, {
      emailTest: outcome,
      ...(outcome.ok
        ? { notice: "The test e-mail was sent." }
        : { error: "The test e-mail was not sent: see E-mail alerts below." }),
    });
  });

  return app;
}
