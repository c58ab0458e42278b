/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { BackupEngine } from "../../backup/engine.ts";
import type { RecoveryState } from "../../backup/recovery.ts";
import { describeError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import type { BackupScheduler } from "../../scheduler/scheduler.ts";
import { RecoveryPage } from "../../views/recovery-page.tsx";
import type { AppEnv } from "../context.ts";
import { notFound, toProblem } from "../errors.tsx";
import { readForm } from "../form.ts";
import { respondPage } from "../html.ts";
import { restoredLocation } from "./backups.tsx";

/** The recovery page of recovery mode: only with the one-time token, only while in recovery mode. */
export function recoveryRoutes(deps: {
  engine: BackupEngine;
  recovery: RecoveryState;
  scheduler: BackupScheduler;
  log: Log;
}) {
  const { engine, recovery } = deps;
  const app = new Hono<AppEnv>();

  app.get("/recovery", (c) => {
    const token = c.req.query("token");
    if (!recovery.active || !recovery.accepts(token)) return notFound(c);
    c.header("Cache-Control", "no-store");
    return respondPage(
      c,
      <RecoveryPage token={token as string} reason={recovery.reason ?? ""} records={engine.list()} />,
    );
  });

  app.post("/recovery/restore", async (c) => {
    const form = await readForm(c);
    const token = typeof form.token === "string" ? form.token : "";
    if (!recovery.active || !recovery.accepts(token)) return notFound(c);
    const name = typeof form.name === "string" && form.name !== "" ? form.name : null;
    try {
      const by = "recovery page";
      const result = name ? await engine.restore(name, { by }) : await engine.emergencyRestore({ by });
      recovery.leave();
      deps.scheduler.start();
      deps.log.info("Recovery mode ended: the database was restored and the app works normally again");
      return c.redirect(restoredLocation(result), 303);
    } catch (error) {
      const problem = toProblem(error);
      return respondPage(
        c,
        <RecoveryPage
          token={token}
          reason={recovery.reason ?? ""}
          records={engine.list()}
          error={`Restore failed: ${problem.status === 500 ? describeError(error) : problem.message}`}
        />,
        problem.status,
      );
    }
  });

  return app;
}
