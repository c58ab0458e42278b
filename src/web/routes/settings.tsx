/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import { auditRetentionOf, pruneAuditTrail } from "../../auth/audit.ts";
import type { Auth } from "../../auth/auth.ts";
import type { BackupEngine } from "../../backup/engine.ts";
import { retentionOf } from "../../backup/retention.ts";
import { ConfigError } from "../../config/load.ts";
import { EDITABLE_KEYS, type SettingsStore } from "../../config/settings-store.ts";
import type { Log } from "../../lib/log.ts";
import { type BackupScheduler, cadenceOf } from "../../scheduler/scheduler.ts";
import { SettingsPage } from "../../views/settings-page.tsx";
import type { AppEnv } from "../context.ts";
import { readForm } from "../form.ts";
import { respondPage } from "../html.ts";
import { viewerOf } from "../viewer.ts";
import { auditAction } from "./audit-action.ts";

/** The Settings page (super admin): backup and audit settings saved to the config file and applied at once. */
export function settingsRoutes(deps: {
  settings: SettingsStore;
  scheduler: BackupScheduler;
  engine: BackupEngine;
  auth: Auth;
  log: Log;
}) {
  const app = new Hono<AppEnv>();

  function page(
    c: Context<AppEnv>,
    extra: { notice?: string | null; error?: string | null },
    status: 200 | 400 = 200,
  ) {
    const current = deps.settings.current;
    return respondPage(
      c,
      <SettingsPage
        viewer={viewerOf(c)}
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
    const form = await readForm(c, { all: true });
    // The page always sends the schedule choice and the startup switch (a hidden "false" before
    // the checkbox): a post without them is not from the page, and must not reset anything.
    if ((form.mode !== "interval" && form.mode !== "schedule") || form.startup_backup === undefined) {
      return page(
        c,
        { error: "The settings form was incomplete; nothing was changed. Reload the page and try again." },
        400,
      );
    }
    const values: Record<string, string | boolean> = {};
    for (const key of EDITABLE_KEYS) {
      const raw = form[key];
      if (key === "startup_backup") values[key] = Array.isArray(raw) ? raw.includes("true") : raw === "true";
      else if (typeof raw === "string") values[key] = raw.trim();
    }
    const mode = form.mode === "schedule" ? "schedule" : "interval";
    if (mode === "interval") delete values.schedule;
    else delete values.interval_hours;
    try {
      const next = deps.settings.save({ mode, values });
      deps.scheduler.reschedule(cadenceOf(next.settings));
      deps.engine.setRetention(retentionOf(next.settings));
      auditAction.record(c, deps.auth, "settings: save", null, "success");
      deps.log.info(`Settings changed by ${viewerOf(c).username}`);
      pruneAuditTrail(deps.auth.audit, auditRetentionOf(next.settings), deps.log);
      return c.redirect("/settings?saved", 303);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      auditAction.record(c, deps.auth, "settings: save", null, "failure");
      return page(c, { error: error.message }, 400);
    }
  });

  return app;
}
