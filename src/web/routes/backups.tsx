/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { Auth } from "../../auth/auth.ts";
import type { BackupEngine, RestoreResult } from "../../backup/engine.ts";
import { isPlainBackupName } from "../../backup/names.ts";
import type { RecoveryState } from "../../backup/recovery.ts";
import type { DataPaths } from "../../config/paths.ts";
import type { SettingsStore } from "../../config/settings-store.ts";
import { formatBytes } from "../../lib/format.ts";
import { readLastLines } from "../../lib/tail.ts";
import type { BackupScheduler } from "../../scheduler/scheduler.ts";
import {
  BackupArea,
  type BackupAreaProps,
  BackupPage,
  ConfirmPage,
  type Message,
} from "../../views/backup-page.tsx";
import type { AppEnv } from "../context.ts";
import { toProblem } from "../errors.tsx";
import { readForm } from "../form.ts";
import { respondFragment, respondPage } from "../html.ts";
import { collectStatus } from "../status.ts";
import { viewerOf } from "../viewer.ts";
import { auditAction } from "./audit-action.ts";
import { createBackupInput } from "./backup-api.ts";
import { receiveUpload } from "./upload.ts";

interface Deps {
  settings: SettingsStore;
  engine: BackupEngine;
  scheduler: BackupScheduler;
  recovery: RecoveryState;
  auth: Auth;
  paths: DataPaths;
}

const isHtmx = (c: Context<AppEnv>) => c.req.header("hx-request") === "true";

/** Where to go after a restore: everyone is signed out, so to the sign-in page with what happened. */
export function restoredLocation(result: RestoreResult): string {
  const safety = result.safetyBackup ? `&safety=${encodeURIComponent(result.safetyBackup)}` : "";
  return `/login?restored=${encodeURIComponent(result.restoredFrom)}${safety}`;
}

function afterRestore(c: Context<AppEnv>, result: RestoreResult) {
  const target = restoredLocation(result);
  if (isHtmx(c)) {
    c.header("HX-Redirect", target);
    return c.body(null, 200);
  }
  return c.redirect(target, 303);
}

/**
 * The Database Backup page (SPEC §6). Every action works twice: with htmx it answers with the
 * swapped part of the page, and as a plain form post (no JavaScript) with a redirect back.
 * A backup started with htmx runs in the background; the list polls for its progress.
 */
export function backupRoutes(deps: Deps) {
  const { engine, auth } = deps;
  const app = new Hono<AppEnv>();
  /** The last result of each session's own action, shown until its next one. */
  const messages = new Map<string, Message>();
  /** Sessions whose backup started from the page has not reported its result yet. */
  const waiting = new Set<string>();

  function areaProps(c: Context<AppEnv>): BackupAreaProps {
    const viewer = viewerOf(c);
    const admin = viewer.role !== "user";
    const session = c.get("session");
    const records = engine.list();
    return {
      viewer,
      status: collectStatus(deps, records),
      records,
      message: session ? (messages.get(session.tokenHash) ?? null) : null,
      logLines: admin ? readLastLines(deps.paths.log, 15) : null,
      audit: admin ? auth.audit.newest(8) : null,
      waiting: session ? waiting.has(session.tokenHash) : false,
    };
  }

  function remember(c: Context<AppEnv>, message: Message): void {
    const session = c.get("session");
    if (session) messages.set(session.tokenHash, message);
    if (messages.size > 1000) messages.delete(messages.keys().next().value as string);
  }

  function failure(prefix: string, error: unknown): Message {
    const problem = toProblem(error);
    return { kind: "error", text: `${prefix}: ${problem.message}` };
  }

  /** Answers an action: the swapped area for htmx (with the action's status), a redirect otherwise. */
  function answer(c: Context<AppEnv>, status: 200 | 400 | 403 | 404 | 409 | 413 | 422 | 500 | 507 = 200) {
    if (isHtmx(c)) return respondFragment(c, <BackupArea {...areaProps(c)} />, status);
    return c.redirect("/backup/status", 303);
  }

  function statusOf(error: unknown) {
    return toProblem(error).status as 400 | 404 | 409 | 422 | 500 | 507;
  }

  app.get("/backup/status", (c) => {
    c.header("Cache-Control", "no-store");
    const props = areaProps(c);
    // Files seen for the first time are checked in the background; the list polls meanwhile.
    if (props.records.some((r) => r.health === "unchecked")) void engine.verifyNew().catch(() => {});
    return respondPage(c, <BackupPage {...props} />);
  });

  app.get("/backup/list", (c) => {
    c.header("Cache-Control", "no-store");
    return answer(c);
  });

  app.post("/backup/create", async (c) => {
    const form = await readForm(c);
    const parsed = createBackupInput.safeParse({
      description: typeof form.description === "string" ? form.description : "",
    });
    if (!parsed.success) {
      remember(c, { kind: "error", text: `Failed to create backup: ${parsed.error.issues[0]?.message}` });
      return answer(c, 400);
    }
    const by = viewerOf(c).username;
    const running = auditAction(c, auth, "backup: create", null, () =>
      engine.createBackup({
        kind: "manual",
        description: parsed.data.description ?? "",
        createdBy: by,
        rateLimited: true,
      }),
    ).then(
      (record) =>
        remember(c, { kind: "ok", text: `Backup created: ${record.name} (${formatBytes(record.size)})` }),
      (error) => remember(c, failure("Failed to create backup", error)),
    );
    if (isHtmx(c)) {
      // Let the backup start (it takes the lock at once), then answer with its progress.
      await Promise.race([running, Bun.sleep(50)]);
      return answer(c);
    }
    await running;
    return answer(c);
  });

  app.post("/backup/check", async (c) => {
    try {
      const started = performance.now();
      const health = await engine.checkDatabase({ full: true });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      remember(
        c,
        health.ok
          ? { kind: "ok", text: `Database check: no problems found (full check, ${seconds} s).` }
          : { kind: "error", text: `Database check found damage: ${health.reason}` },
      );
    } catch (error) {
      remember(c, failure("Database check failed", error));
    }
    return answer(c);
  });

  app.post("/backup/scheduler", async (c) => {
    const form = await readForm(c);
    const by = viewerOf(c).username;
    if (form.action === "pause") deps.scheduler.pause(by);
    else if (form.action === "resume") deps.scheduler.resume(by);
    else return answer(c, 400);
    auditAction.record(c, auth, `scheduler: ${form.action}`, null, "success");
    remember(c, {
      kind: "ok",
      text: form.action === "pause" ? "Automatic backups paused." : "Automatic backups resumed.",
    });
    // The Settings page has the same button and wants to come back to itself.
    if (!isHtmx(c) && form.back === "/settings") return c.redirect("/settings", 303);
    return answer(c);
  });

  app.get("/backup/confirm", (c) => {
    const action = c.req.query("action");
    const name = c.req.query("name") ?? "";
    if (action !== "restore" && action !== "delete" && action !== "emergency-restore")
      return c.redirect("/backup/status", 303);
    const record = action === "emergency-restore" ? null : engine.find(name);
    return respondPage(c, <ConfirmPage viewer={viewerOf(c)} action={action} record={record} />);
  });

  app.post("/backup/restore", async (c) => {
    const form = await readForm(c);
    const name = typeof form.name === "string" ? form.name : "";
    try {
      const result = await auditAction(c, auth, "backup: restore", name, () =>
        engine.restore(name, { by: viewerOf(c).username }),
      );
      return afterRestore(c, result);
    } catch (error) {
      remember(c, failure("Failed to restore backup", error));
      return answer(c, statusOf(error));
    }
  });

  app.post("/backup/emergency-restore", async (c) => {
    try {
      const result = await auditAction(c, auth, "backup: emergency restore", null, () =>
        engine.emergencyRestore({ by: viewerOf(c).username }),
      );
      return afterRestore(c, result);
    } catch (error) {
      remember(c, failure("Emergency restore failed", error));
      return answer(c, statusOf(error));
    }
  });

  app.post("/backup/upload", async (c) => {
    const result = await receiveUpload(c, deps);
    if (!result.ok) {
      remember(c, { kind: "error", text: `Failed to upload backup: ${result.message}` });
      return answer(c, result.status);
    }
    try {
      const record = await auditAction(c, auth, "backup: upload", result.originalName, () =>
        engine.importUpload({
          tempPath: result.tempPath,
          description: result.description,
          originalName: result.originalName,
          by: viewerOf(c).username,
        }),
      );
      remember(c, { kind: "ok", text: `Backup uploaded: ${record.name} (${formatBytes(record.size)})` });
      return answer(c);
    } catch (error) {
      remember(c, failure("Failed to upload backup", error));
      return answer(c, statusOf(error));
    }
  });

  app.post("/backup/delete", async (c) => {
    const form = await readForm(c);
    const name = typeof form.name === "string" ? form.name : "";
    try {
      await auditAction(c, auth, "backup: delete", name, () =>
        engine.deleteBackup(name, { by: viewerOf(c).username }),
      );
      remember(c, { kind: "ok", text: `Backup deleted: ${name}` });
      return answer(c);
    } catch (error) {
      remember(c, failure("Failed to delete backup", error));
      return answer(c, statusOf(error));
    }
  });

  return app;
}

/** The notice the sign-in page shows after a restore, built only from plain backup names. */
export function restoredNotice(restored: string | undefined, safety: string | undefined): string | null {
  if (!restored || !isPlainBackupName(restored) || (safety !== undefined && !isPlainBackupName(safety)))
    return null;
  const kept = safety ? ` A safety backup was saved as ${safety}.` : "";
  return `Restored from ${restored}.${kept} Everyone was signed out: sign in again.`;
}
