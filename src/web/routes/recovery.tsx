/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { BackupEngine } from "../../backup/engine.ts";
import { describeError } from "../../lib/errors.ts";
import { RecoveryPage } from "../../views/recovery-page.tsx";
import type { AppEnv } from "../context.ts";
import type { RecoveryPort } from "../deps.ts";
import { showProblemsWith } from "../errors.tsx";
import { readForm, textField } from "../form.ts";
import { redirectTo, respondPage } from "../html.ts";
import { notFound } from "../http-errors.ts";
import { restoredLocation } from "./restored.ts";

/** The recovery page of recovery mode: only with the one-time token, only while in recovery mode. */
export function recoveryRoutes(deps: { engine: BackupEngine; recovery: RecoveryPort }) {
  const { engine, recovery } = deps;
  const app = new Hono<AppEnv>();

  app.get("/recovery", (c) => {
    const token = c.req.query("token") ?? "";
    if (!recovery.active || !recovery.accepts(token)) throw notFound(c.req.path);
    c.header("Cache-Control", "no-store");
    return respondPage(
      c,
      <RecoveryPage
        assets={c.get("assets")}
        token={token}
        reason={recovery.reason ?? ""}
        records={engine.list()}
      />,
    );
  });

  app.post("/recovery/restore", async (c) => {
    const form = await readForm(c);
    const token = textField(form, "token");
    if (!recovery.active || !recovery.accepts(token)) throw notFound(c.req.path);
    // Whoever uses the link is the operator at this machine: a fault is shown with its details.
    showProblemsWith(c, (c, problem, error) =>
      respondPage(
        c,
        <RecoveryPage
          assets={c.get("assets")}
          token={token}
          reason={recovery.reason ?? ""}
          records={engine.list()}
          error={`Restore failed: ${problem.code === "internal" ? describeError(error) : problem.message}`}
        />,
        problem.status,
      ),
    );
    const result = await recovery.restore(textField(form, "name") || null, "recovery page");
    return redirectTo(c, restoredLocation(result));
  });

  return app;
}
