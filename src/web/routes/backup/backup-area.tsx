/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Auth } from "../../../auth/auth.ts";
import type { BackupEngine } from "../../../backup/index.ts";
import type { DataPaths } from "../../../config/paths.ts";
import { readLastLines } from "../../../lib/files/tail.ts";
import type { OffsiteService } from "../../../offsite/service.ts";
import type { BackupScheduler } from "../../../scheduler/scheduler.ts";
import type { Message } from "../../../views/backup/backup-area.tsx";
import { BackupArea, type BackupAreaProps } from "../../../views/backup/backup-area.tsx";
import { PAGE_ROWS } from "../../../views/backup/backup-list.tsx";
import type { AppEnv } from "../../context.ts";
import type { RecoveryPort } from "../../deps.ts";
import { problemOf, showProblemsWith } from "../../errors.tsx";
import { isHtmx, redirectTo, respondFragment } from "../../html.ts";
import { withOffsiteRows } from "../../offsite-rows.ts";
import { collectStatus, type StatusDeps } from "../../status.ts";
import { viewerOf } from "../../viewer.ts";

/** How many sessions' last messages are kept; the oldest is forgotten first. */
const MAX_MESSAGES = 1000;
/** A result not seen within this time (the page was closed meanwhile) is news no more. */
const MESSAGE_MS = 10 * 60_000;

/**
 * The part of the Database Backup page that its actions answer with. Every action works twice:
 * with htmx it answers with this part, swapped in place, and as a plain form post (no JavaScript)
 * with a redirect back to the page. Each session's last result is shown once, to that session only.
 */
export function createBackupArea(
  deps: StatusDeps & {
    engine: BackupEngine;
    scheduler: BackupScheduler;
    recovery: RecoveryPort;
    auth: Auth;
    paths: DataPaths;
    offsite: OffsiteService;
  },
) {
  const messages = new Map<string, { message: Message; at: number }>();

  function tell(c: Context<AppEnv>, message: Message): void {
    const session = c.get("session");
    if (session) messages.set(session.tokenHash, { message, at: c.get("clock")().getTime() });
    if (messages.size > MAX_MESSAGES) messages.delete(messages.keys().next().value as string);
  }

  /** The session's last result, once: shown, it is gone (a reload does not show it again); too old, it is dropped. */
  function take(c: Context<AppEnv>): Message | null {
    const session = c.get("session");
    const told = session ? messages.get(session.tokenHash) : undefined;
    if (!session || !told) return null;
    messages.delete(session.tokenHash);
    return c.get("clock")().getTime() - told.at <= MESSAGE_MS ? told.message : null;
  }

  function failure(prefix: string, error: unknown): Message {
    return { kind: "error", text: `${prefix}: ${problemOf(error).message}` };
  }

  function props(c: Context<AppEnv>): BackupAreaProps {
    const viewer = viewerOf(c);
    const admin = viewer.role !== "user";
    const records = deps.engine.list();
    return {
      viewer,
      status: collectStatus(deps, records),
      records,
      offsite: withOffsiteRows(deps.offsite, records),
      message: take(c),
      logLines: admin ? readLastLines(deps.paths.log, 15) : null,
      audit: admin ? deps.auth.audit.newest(8) : null,
      now: c.get("clock")(),
      rows: rowsAsked(c.req.query("rows"), records.length),
    };
  }

  /** The swapped part for htmx (with the action's status), a redirect back to the page otherwise. */
  function respond(c: Context<AppEnv>, status?: ContentfulStatusCode) {
    if (isHtmx(c)) return respondFragment(c, <BackupArea {...props(c)} />, status);
    return redirectTo(c, "/backup/status");
  }

  return {
    tell,
    failure,
    props,
    respond,
    /** From now on a refusal of this action is shown in the area as "`prefix`: reason". */
    showFailuresAs(c: Context<AppEnv>, prefix: string): void {
      showProblemsWith(c, (c, problem, error) => {
        tell(c, failure(prefix, error));
        return respond(c, problem.status);
      });
    },
  };
}

/**
 * How many rows of the list a page asks for (`?rows=`, the no-JavaScript "Show older"): a whole
 * number of pages, at least one, at most the backups there are; anything else is one page.
 */
export function rowsAsked(asked: string | undefined, total: number): number {
  const n = Number(asked);
  if (!Number.isSafeInteger(n) || n <= PAGE_ROWS) return PAGE_ROWS;
  return Math.min(Math.ceil(n / PAGE_ROWS), Math.ceil(total / PAGE_ROWS)) * PAGE_ROWS;
}

export type BackupAreaResponder = ReturnType<typeof createBackupArea>;
