import { existsSync } from "node:fs";
import { openSqlite } from "../db/connect.ts";
import { describeError } from "../lib/errors.ts";
import { escapeControlCharacters } from "../lib/text.ts";
import type { Alert } from "../views/app-status.ts";
import { type FlagSpec, parseFlags } from "./args.ts";
import type { CliContext } from "./context.ts";
import { openDataApp } from "./data-command.ts";
import { EXIT } from "./exit-codes.ts";
import { DATA_FLAGS } from "./wiring.ts";

export const STATUS_FLAGS: FlagSpec[] = [{ name: "json", help: "print the result as JSON" }, ...DATA_FLAGS];

/** Why the database cannot be read, or null: opened read-only, one query, nothing changed. */
function databaseProblem(path: string): string | null {
  if (!existsSync(path)) return `there is no database at ${path}`;
  try {
    const db = openSqlite(path, { readonly: true });
    try {
      db.query("SELECT count(*) FROM sqlite_master").get();
      return null;
    } finally {
      db.close();
    }
  } catch (error) {
    return `the database cannot be read (${describeError(error)})`;
  }
}

/**
 * `status [--json]`: what `GET /api/health` says, worked out from the data folder (beside a
 * running app or without one), with each alert's message and what to do. Changes nothing. Exit 0
 * ok, 1 degraded: for Windows Task Scheduler, cron or a monitoring tool.
 */
export async function statusCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, STATUS_FLAGS);
  const app = openDataApp(values, ctx);
  const problem = databaseProblem(app.paths.database);
  const alerts: Alert[] = app.alerts.peek();
  const reasons = [...(problem ? ["database_unavailable"] : []), ...alerts.map((a) => a.id)];
  const status = reasons.length === 0 ? "ok" : "degraded";
  if (values.json) {
    const detail = { status, reasons, database: problem, alerts };
    ctx.stdout(`${JSON.stringify(detail, null, 2)}\n`);
  } else {
    const lines = [`BusinessApp: ${status}`];
    if (problem) lines.push(`- The database: ${problem}.`);
    for (const alert of alerts) lines.push(`- ${alert.message}`, `  What to do: ${alert.action}`);
    ctx.stdout(`${lines.map(escapeControlCharacters).join("\n")}\n`);
  }
  return status === "ok" ? EXIT.ok : EXIT.failed;
}
