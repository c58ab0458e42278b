/** @jsxImportSource hono/jsx */

import { type Context, Hono } from "hono";
import { consoleUrl } from "../../app/console-url.ts";
import { previewRestoreOf } from "../../app/restore/restore.ts";
import type { Auth } from "../../auth/auth.ts";
import { setupLinkLine } from "../../auth/setup.ts";
import type { BackupEngine } from "../../backup/index.ts";
import { describeError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import type { OffsiteService } from "../../offsite/service.ts";
import {
  RecoveryConfirmPage,
  RecoveryHelpPage,
  RecoveryPage,
  StartEmptyConfirmPage,
} from "../../views/backup/recovery-page.tsx";
import type { AppEnv } from "../context.ts";
import type { RecoveryPort, SettingsPort } from "../deps.ts";
import { showProblemsWith } from "../errors.tsx";
import { readForm, textField } from "../forms/form.ts";
import { isHtmx, redirectTo, respondPage } from "../html.ts";
import { notFound } from "../http-errors.ts";
import { withOffsiteRows } from "../offsite-rows.ts";
import { respondRestored } from "./backup/restored.ts";

/** The recovery page of recovery mode: only with the one-time token, only while in recovery mode. */
export function recoveryRoutes(deps: {
  engine: BackupEngine;
  recovery: RecoveryPort;
  offsite: OffsiteService;
  auth: Auth;
  log: Log;
  settings: SettingsPort;
}) {
  const { engine, recovery, offsite, auth, log } = deps;
  const app = new Hono<AppEnv>();
  /** The backups here, and those only off-site (restored from their copy). */
  const listed = () => {
    const local = engine.list();
    return withOffsiteRows(offsite, local)?.records ?? local;
  };

  /** The token of the link, or a 404 as if there were no such page. */
  function admit(c: Context<AppEnv>, token: string): string {
    if (!recovery.active || !recovery.accepts(token)) throw notFound(c.req.path);
    c.header("Cache-Control", "no-store");
    return token;
  }

  const pageProps = (c: Context<AppEnv>, token: string) => ({
    assets: c.get("assets"),
    token,
    reason: recovery.reason ?? "",
    canStartEmpty: recovery.canStartEmpty,
  });

  app.get("/recovery", (c) => {
    const given = c.req.query("token") ?? "";
    // Out of recovery mode there is nothing to recover: on to the app (the dashboard or the sign-in).
    if (!recovery.active) {
      if (given) throw notFound(c.req.path);
      return redirectTo(c, "/");
    }
    if (!recovery.accepts(given)) {
      c.header("Cache-Control", "no-store");
      return respondPage(
        c,
        <RecoveryHelpPage assets={c.get("assets")} staleLink={given !== ""} />,
        given ? 404 : 200,
      );
    }
    const token = admit(c, given);
    return respondPage(
      c,
      <RecoveryPage {...pageProps(c, token)} records={listed()} now={c.get("clock")()} />,
    );
  });

  app.get("/recovery/start-empty", (c) => {
    const token = admit(c, c.req.query("token") ?? "");
    return respondPage(c, <StartEmptyConfirmPage {...pageProps(c, token)} />);
  });

  /**
   * Starts with an empty database on purpose: only while the database file is missing. The person
   * at this machine is sent on to the setup link of the first user (also printed and logged).
   */
  app.post("/recovery/start-empty", async (c) => {
    const form = await readForm(c);
    const token = admit(c, textField(form, "token"));
    showProblemsWith(c, (c, problem) =>
      respondPage(
        c,
        <RecoveryPage
          {...pageProps(c, token)}
          records={listed()}
          now={c.get("clock")()}
          error={problem.message}
        />,
        problem.status,
      ),
    );
    recovery.startEmpty("recovery page");
    const location = `/setup?token=${auth.setup.issue()}`;
    const { host, port } = deps.settings.current.settings;
    log.info(setupLinkLine(`${consoleUrl(host, port)}${location}`));
    if (!isHtmx(c)) return redirectTo(c, location);
    c.header("HX-Redirect", location);
    return c.body(null);
  });

  /** The question before a restore: what it puts back (Emergency Restore's choice, without `name`) and what changes. */
  app.get("/recovery/confirm", async (c) => {
    const token = admit(c, c.req.query("token") ?? "");
    const name = c.req.query("name") || null;
    const preview = await previewRestoreOf({ engine, offsite }, { name });
    return respondPage(
      c,
      <RecoveryConfirmPage {...pageProps(c, token)} preview={preview} emergency={name === null} />,
    );
  });

  app.post("/recovery/restore", async (c) => {
    const form = await readForm(c);
    const token = admit(c, textField(form, "token"));
    // Whoever uses the link is the operator at this machine: a fault is shown with its details.
    showProblemsWith(c, (c, problem, error) =>
      respondPage(
        c,
        <RecoveryPage
          {...pageProps(c, token)}
          records={listed()}
          now={c.get("clock")()}
          error={`Restore failed: ${problem.code === "app.internal" ? describeError(error) : problem.message}`}
        />,
        problem.status,
      ),
    );
    const name = textField(form, "name") || null;
    const expected = textField(form, "expected") || null;
    return respondRestored(c, await recovery.restore(name, "recovery page", expected));
  });

  return app;
}
