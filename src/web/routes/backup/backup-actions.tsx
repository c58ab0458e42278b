import { type Context, Hono } from "hono";
import { describeDrill } from "../../../app/drill-words.ts";
import type { Auth } from "../../../auth/auth.ts";
import type { BackupEngine, ManifestRecord } from "../../../backup/index.ts";
import { formatBytes } from "../../../lib/format.ts";
import type { BackupScheduler } from "../../../scheduler/scheduler.ts";
import type { Message } from "../../../views/backup/backup-area.tsx";
import { audited } from "../../audit.ts";
import type { AppEnv } from "../../context.ts";
import { momentField, readForm, textField } from "../../forms/form.ts";
import { isHtmx, redirectTo } from "../../html.ts";
import { badForm } from "../../http-errors.ts";
import { viewerOf } from "../../viewer.ts";
import type { BackupAreaResponder } from "./backup-area.tsx";
import type { BackupOperations } from "./backup-operations.ts";
import { respondRestored } from "./restored.ts";

/** Tells the page (app.js) to empty the form that was sent: its backup has started or its file is in. */
function clearSentForm(c: Context<AppEnv>): void {
  c.header("HX-Trigger", "clear-form");
}

const made = (verb: string, r: ManifestRecord) => ({
  kind: "ok" as const,
  text: `Backup ${verb}: ${r.name} (${formatBytes(r.size)})`,
});

/** The actions of the Database Backup page; each answers with the refreshed area (see `createBackupArea`). */
export function backupActionRoutes(
  deps: { engine: BackupEngine; scheduler: BackupScheduler; auth: Auth },
  area: BackupAreaResponder,
  operations: BackupOperations,
) {
  const app = new Hono<AppEnv>();

  /**
   * Answers for an operation that takes a while: with htmx, once it has started, at once with the
   * area showing its progress (the area polls until its result, `message`, is shown); otherwise
   * when it is done.
   */
  async function answerWhileRunning<T>(
    c: Context<AppEnv>,
    start: () => Promise<T>,
    message: (result: T) => Message,
    failure: string,
    options: { clearForm?: boolean } = {},
  ): Promise<Response> {
    const idle = deps.engine.progress() === null;
    const running = start();
    if (isHtmx(c) && idle && deps.engine.progress() !== null) {
      running.then(
        (result) => area.tell(c, message(result)),
        (error) => area.tell(c, area.failure(failure, error)),
      );
    } else {
      area.tell(c, message(await running));
    }
    if (options.clearForm) clearSentForm(c);
    return area.respond(c);
  }

  app.post("/backup/create", async (c) => {
    area.showFailuresAs(c, "Failed to create backup");
    const description = textField(await readForm(c), "description");
    return answerWhileRunning(
      c,
      () => operations.create(c, description),
      (record) => made("created", record),
      "Failed to create backup",
      { clearForm: true },
    );
  });

  app.post("/backup/drill", async (c) => {
    area.showFailuresAs(c, "Restore drill failed");
    return answerWhileRunning(
      c,
      () => operations.drill(c),
      (result) => ({ kind: result.ok ? "ok" : "error", text: describeDrill(result) }),
      "Restore drill failed",
    );
  });

  app.post("/backup/check", async (c) => {
    area.showFailuresAs(c, "Database check failed");
    const started = performance.now();
    const health = await operations.check();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    area.tell(
      c,
      health.ok
        ? { kind: "ok", text: `Database check: no problems found (full check, ${seconds} s).` }
        : { kind: "error", text: `Database check found damage: ${health.reason}` },
    );
    return area.respond(c);
  });

  app.post("/backup/scheduler", async (c) => {
    area.showFailuresAs(c, "Automatic backups");
    const form = await readForm(c);
    const action = form.action;
    if (action !== "pause" && action !== "resume") throw badForm("Choose to pause or to resume.");
    const by = viewerOf(c).username;
    await audited(c, deps.auth, `scheduler: ${action}`, null, () =>
      action === "pause" ? deps.scheduler.pause(by) : deps.scheduler.resume(by),
    );
    area.tell(c, {
      kind: "ok",
      text: action === "pause" ? "Automatic backups paused." : "Automatic backups resumed.",
    });
    // The Settings page has the same button and wants to come back to itself.
    if (!isHtmx(c) && form.back === "/settings") return redirectTo(c, "/settings");
    return area.respond(c);
  });

  app.post("/backup/restore", async (c) => {
    area.showFailuresAs(c, "Failed to restore backup");
    const name = textField(await readForm(c), "name");
    return respondRestored(c, await operations.restore(c, name));
  });

  /** Puts back the moment its question named (`at`, exact to the millisecond). */
  app.post("/backup/point-in-time", async (c) => {
    area.showFailuresAs(c, "Failed to undo to a point in time");
    const at = momentField(textField(await readForm(c), "at"));
    return respondRestored(c, await operations.restoreAt(c, at));
  });

  /** Restores the backup its question named (`expected`), only if that is still the newest good one. */
  app.post("/backup/emergency-restore", async (c) => {
    area.showFailuresAs(c, "Emergency restore failed");
    const expected = textField(await readForm(c), "expected") || null;
    return respondRestored(c, await operations.emergencyRestore(c, expected));
  });

  app.post("/backup/upload", async (c) => {
    area.showFailuresAs(c, "Failed to upload backup");
    area.tell(c, made("uploaded", await operations.upload(c)));
    clearSentForm(c);
    return area.respond(c);
  });

  app.post("/backup/delete", async (c) => {
    area.showFailuresAs(c, "Failed to delete backup");
    const name = textField(await readForm(c), "name");
    await operations.delete(c, name);
    area.tell(c, { kind: "ok", text: `Backup deleted: ${name}` });
    return area.respond(c);
  });

  return app;
}
