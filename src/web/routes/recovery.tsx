/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { BackupEngine } from "../../backup/engine.ts";
import { describeError } from "../../lib/errors.ts";
import type { OffsiteService } from "../../offsite/service.ts";
import { RecoveryConfirmPage, RecoveryPage } from "../../views/recovery-page.tsx";
import type { AppEnv } from "../context.ts";
import type { RecoveryPort } from "../deps.ts";
import { showProblemsWith } from "../errors.tsx";
import { readForm, textField } from "../form.ts";
import { respondPage } from "../html.ts";
import { notFound } from "../http-errors.ts";
import { findHereOrOffsite, withOffsiteRows } from "../offsite-rows.ts";
import { respondRestored } from "./restored.ts";

/** The recovery page of recovery mode: only with the one-time token, only while in recovery mode. */
export function recoveryRoutes(deps: {
  engine: BackupEngine;
  recovery: RecoveryPort;
  offsite: OffsiteService;
}) {
  const { engine, recovery, offsite } = deps;
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
  });

  app.get("/recovery", (c) => {
    const token = admit(c, c.req.query("token") ?? "");
    return respondPage(
      c,
      <RecoveryPage {...pageProps(c, token)} records={listed()} now={c.get("clock")()} />,
    );
  });

  app.get("/recovery/confirm", (c) => {
    const token = admit(c, c.req.query("token") ?? "");
    const name = c.req.query("name") ?? "";
    const record = name ? findHereOrOffsite(engine, offsite, name) : null;
    return respondPage(c, <RecoveryConfirmPage {...pageProps(c, token)} record={record} />);
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
          error={`Restore failed: ${problem.code === "internal" ? describeError(error) : problem.message}`}
        />,
        problem.status,
      ),
    );
    return respondRestored(c, await recovery.restore(textField(form, "name") || null, "recovery page"));
  });

  return app;
}
