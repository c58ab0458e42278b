import { createReadStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Hono } from "hono";
import { z } from "zod";
import type { Auth } from "../../auth/auth.ts";
import { descriptionProblem } from "../../backup/description.ts";
import type { BackupEngine } from "../../backup/engine.ts";
import { publicEntry } from "../../backup/manifest.ts";
import type { RecoveryState } from "../../backup/recovery.ts";
import type { BackupScheduler } from "../../scheduler/scheduler.ts";
import type { AppEnv } from "../context.ts";
import { respondProblem } from "../errors.tsx";
import { collectStatus } from "../status.ts";
import { auditAction } from "./audit-action.ts";

export const createBackupInput = z.strictObject({
  description: z
    .string()
    .trim()
    .superRefine((text, ctx) => {
      const problem = descriptionProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
});

/** The JSON API of SPEC §8; errors are `{"error":{"code","message"}}` from the one error handler. */
export function backupApiRoutes(deps: {
  engine: BackupEngine;
  scheduler: BackupScheduler;
  recovery: RecoveryState;
  auth: Auth;
}) {
  const { engine } = deps;
  const app = new Hono<AppEnv>();

  app.get("/api/status", (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(collectStatus(deps));
  });

  app.get("/api/backups", (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ backups: engine.list().map(publicEntry) });
  });

  app.post("/api/backups", async (c) => {
    const text = await c.req.text();
    let body: unknown = {};
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        return respondProblem(c, {
          status: 400,
          code: "bad_json",
          message: 'Send JSON such as {"description": "Before the stock count"}.',
        });
      }
    }
    const parsed = createBackupInput.safeParse(body ?? {});
    if (!parsed.success) {
      return respondProblem(c, {
        status: 400,
        code: "bad_input",
        message: parsed.error.issues[0]?.message ?? "Bad input.",
      });
    }
    const backup = await auditAction(c, deps.auth, "backup: create", null, () =>
      engine.createBackup({
        kind: "manual",
        description: parsed.data.description ?? "",
        createdBy: c.get("session")?.user.username ?? null,
        rateLimited: true,
      }),
    );
    return c.json({ backup: publicEntry(backup) }, 201);
  });

  app.post("/api/backups/emergency-restore", async (c) => {
    const result = await auditAction(c, deps.auth, "backup: emergency restore", null, () =>
      engine.emergencyRestore({ by: c.get("session")?.user.username ?? null }),
    );
    return c.json(result);
  });

  app.post("/api/backups/:name/restore", async (c) => {
    const name = c.req.param("name");
    const result = await auditAction(c, deps.auth, "backup: restore", name, () =>
      engine.restore(name, { by: c.get("session")?.user.username ?? null }),
    );
    return c.json(result);
  });

  app.get("/api/backups/:name/download", (c) => {
    const record = engine.find(c.req.param("name"));
    auditAction.record(c, deps.auth, "backup: download", record.name, "success");
    const stream = Readable.toWeb(createReadStream(join(engine.backupsDir, record.name))) as ReadableStream;
    return c.body(stream, 200, {
      "Content-Type": "application/vnd.sqlite3",
      "Content-Length": String(record.size),
      "Content-Disposition": contentDisposition(record.name),
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    });
  });

  app.delete("/api/backups/:name", async (c) => {
    const name = c.req.param("name");
    await auditAction(c, deps.auth, "backup: delete", name, () =>
      engine.deleteBackup(name, { by: c.get("session")?.user.username ?? null }),
    );
    return c.body(null, 204);
  });

  return app;
}

/** An attachment header any browser reads, whatever characters the file name has. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
