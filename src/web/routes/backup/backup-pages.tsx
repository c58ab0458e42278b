/** @jsxImportSource hono/jsx */

import { Hono } from "hono";
import { previewPoint } from "../../../app/restore/point-restore.ts";
import { previewRestoreOf } from "../../../app/restore/restore.ts";
import type { BackupEngine } from "../../../backup/index.ts";
import type { OffsiteService } from "../../../offsite/service.ts";
import { OlderBackups } from "../../../views/backup/backup-list.tsx";
import { BackupPage } from "../../../views/backup/backup-page.tsx";
import { type ConfirmAction, ConfirmPage } from "../../../views/backup/confirm-page.tsx";
import type { AppEnv } from "../../context.ts";
import { momentField } from "../../forms/form.ts";
import { redirectTo, respondFragment, respondPage } from "../../html.ts";
import { pagePropsOf } from "../../viewer.ts";
import { type BackupAreaResponder, rowsAsked } from "./backup-area.tsx";

const CONFIRMED: readonly string[] = ["restore", "delete", "emergency-restore"] satisfies ConfirmAction[];

/** The Database Backup page, the part of it htmx refreshes, and the confirmation page. */
export function backupPageRoutes(
  deps: { engine: BackupEngine; offsite: OffsiteService },
  area: BackupAreaResponder,
) {
  const { engine } = deps;
  const app = new Hono<AppEnv>();

  app.get("/backup/status", (c) => {
    c.header("Cache-Control", "no-store");
    const props = area.props(c);
    // Files seen for the first time are checked in the background; the next page shows the result.
    if (props.records.some((r) => r.health === "unchecked")) void engine.checks.verifyNew().catch(() => {});
    return respondPage(c, <BackupPage {...props} assets={c.get("assets")} />);
  });

  app.get("/backup/list", (c) => {
    c.header("Cache-Control", "no-store");
    return area.respond(c);
  });

  /** The next page of the list's rows (htmx "Show older"), after the first `from`. */
  app.get("/backup/older", (c) => {
    c.header("Cache-Control", "no-store");
    const props = area.props(c);
    const records = props.offsite?.records ?? props.records;
    const from = rowsAsked(c.req.query("from"), records.length);
    return respondFragment(
      c,
      <OlderBackups
        viewer={props.viewer}
        records={records}
        offsite={props.offsite?.rows ?? null}
        kept={props.status.backups.latest?.name ?? null}
        now={props.now}
        from={from}
      />,
    );
  });

  /** The question before a restore (what it changes, worked out now), an emergency restore, or a delete. */
  app.get("/backup/confirm", async (c) => {
    const action = c.req.query("action") ?? "";
    if (!CONFIRMED.includes(action)) return redirectTo(c, "/backup/status");
    c.header("Cache-Control", "no-store");
    const name = c.req.query("name") ?? "";
    if (action === "delete")
      return respondPage(c, <ConfirmPage {...pagePropsOf(c)} action="delete" record={engine.find(name)} />);
    // A backup only off-site may be restored from its copy, but nothing else.
    const preview = await previewRestoreOf(
      { engine, offsite: deps.offsite },
      { name: action === "restore" ? name : null },
    );
    return respondPage(
      c,
      <ConfirmPage
        {...pagePropsOf(c)}
        action={action as "restore" | "emergency-restore"}
        preview={preview}
      />,
    );
  });

  /** The question before going back to a moment: what it brings back, worked out now. */
  app.get("/backup/point-in-time", async (c) => {
    c.header("Cache-Control", "no-store");
    const { preview, point } = await previewPoint({ engine }, momentField(c.req.query("at")));
    return respondPage(
      c,
      <ConfirmPage {...pagePropsOf(c)} action="point-in-time" preview={preview} point={point} />,
    );
  });

  return app;
}
