/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Auth } from "../../auth/auth.ts";
import { EDITABLE_KEYS, type SettingsChange } from "../../config/settings-store.ts";
import type { BackupScheduler } from "../../scheduler/scheduler.ts";
import { SettingsPage } from "../../views/settings-page.tsx";
import { audited } from "../audit.ts";
import type { AppEnv } from "../context.ts";
import type { SettingsPort } from "../deps.ts";
import { showProblemsWith } from "../errors.tsx";
import { readForm } from "../form.ts";
import { redirectTo, respondPage } from "../html.ts";
import { badForm } from "../http-errors.ts";
import { pagePropsOf, viewerOf } from "../viewer.ts";

type Form = Awaited<ReturnType<typeof readForm>>;

/**
 * The change the Settings form asks for. The page always sends the schedule choice and the
 * startup switch (a hidden "false" before the checkbox): a post without them is not from the
 * page, and must not reset anything.
 */
function changeOf(form: Form): SettingsChange {
  if ((form.mode !== "interval" && form.mode !== "schedule") || form.startup_backup === undefined) {
    throw badForm("The settings form was incomplete; nothing was changed. Reload the page and try again.");
  }
  const values: SettingsChange["values"] = {};
  for (const key of EDITABLE_KEYS) {
    const raw = form[key];
    if (key === "startup_backup") values[key] = Array.isArray(raw) ? raw.includes("true") : raw === "true";
    else if (typeof raw === "string") values[key] = raw.trim();
  }
  if (form.mode === "interval") delete values.schedule;
  else delete values.interval_hours;
  return { mode: form.mode, values };
}

/** The Settings page (super admin): backup and audit settings saved to the config file and applied at once. */
export function settingsRoutes(deps: { settings: SettingsPort; scheduler: BackupScheduler; auth: Auth }) {
  const app = new Hono<AppEnv>();

  function page(
    c: Context<AppEnv>,
    extra: { notice?: string | null; error?: string | null },
    status?: ContentfulStatusCode,
  ) {
    const current = deps.settings.current;
    return respondPage(
      c,
      <SettingsPage
        {...pagePropsOf(c)}
        settings={current.settings}
        sources={current.sources}
        configFile={current.configFile}
        scheduler={deps.scheduler.status()}
        {...extra}
      />,
      status,
    );
  }

  app.get("/settings", (c) =>
    page(c, { notice: c.req.query("saved") !== undefined ? "Settings saved and applied." : null }),
  );

  app.post("/settings", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const change = changeOf(await readForm(c, { all: true }));
    await audited(c, deps.auth, "settings: save", null, () =>
      deps.settings.apply(change, viewerOf(c).username),
    );
    return redirectTo(c, "/settings?saved");
  });

  return app;
}
