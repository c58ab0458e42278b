import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { Hono } from "hono";
import { z } from "zod";
import { previewPoint } from "../../../app/restore/point-restore.ts";
import type { Auth } from "../../../auth/auth.ts";
import type { BackupEngine } from "../../../backup/index.ts";
import { publicEntry } from "../../../backup/index.ts";
import type { BackupScheduler } from "../../../scheduler/scheduler.ts";
import { recordAudit } from "../../audit.ts";
import type { AppEnv } from "../../context.ts";
import type { RecoveryPort } from "../../deps.ts";
import { momentField, readJson } from "../../forms/form.ts";
import { respondNoContent } from "../../html.ts";
import { badInput } from "../../http-errors.ts";
import { collectStatus, type StatusDeps } from "../../status.ts";
import type { BackupOperations } from "./backup-operations.ts";

const CREATED = 201;

/** `POST /api/backups`: an optional description; its rules are the engine's. */
const createInput = z.strictObject({ description: z.string().optional() });
/** `POST /api/continuous/restore`: the moment to go back to. */
const pointInput = z.strictObject({ at: z.string() });

/** An attachment header any browser reads, whatever characters the file name has. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The JSON API of the backups; refusals are `{"error":{"code","message"}}` from the error handler. */
export function backupApiRoutes(
  deps: StatusDeps & { engine: BackupEngine; scheduler: BackupScheduler; recovery: RecoveryPort; auth: Auth },
  operations: BackupOperations,
) {
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
    const input = createInput.safeParse(await readJson(c, '{"description": "Before the stock count"}'));
    if (!input.success) throw badInput(input.error.issues[0]?.message ?? "Bad input.");
    const backup = await operations.create(c, input.data.description ?? "");
    return c.json({ backup: publicEntry(backup) }, CREATED);
  });

  /** What going back to `at` would bring back: the exact moment, the next one, the rows then and now. */
  app.get("/api/continuous/preview", async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await previewPoint({ engine }, momentField(c.req.query("at"))));
  });

  app.post("/api/continuous/restore", async (c) => {
    const input = pointInput.safeParse(await readJson(c, '{"at": "2026-12-06T14:05:00Z"}'));
    if (!input.success) throw badInput("Send the moment to go back to as at, such as 2026-12-06T14:05:00Z.");
    const result = await operations.restoreAt(c, momentField(input.data.at));
    return c.json({ ...result, point: { ...result.point, at: new Date(result.point.at).toISOString() } });
  });

  app.post("/api/backups/emergency-restore", async (c) => c.json(await operations.emergencyRestore(c)));

  app.post("/api/backups/:name/restore", async (c) =>
    c.json(await operations.restore(c, c.req.param("name"))),
  );

  app.get("/api/backups/:name/download", (c) => {
    const record = engine.find(c.req.param("name"));
    recordAudit(c, deps.auth, { action: "backup: download", target: record.name, outcome: "success" });
    const stream = Readable.toWeb(createReadStream(engine.pathOf(record.name))) as ReadableStream;
    return c.body(stream, {
      headers: {
        "Content-Type": "application/vnd.sqlite3",
        "Content-Length": String(record.size),
        "Content-Disposition": contentDisposition(record.name),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      },
    });
  });

  app.delete("/api/backups/:name", async (c) => {
    await operations.delete(c, c.req.param("name"));
    return respondNoContent(c);
  });

  return app;
}
