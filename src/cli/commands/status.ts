import { readFileSync } from "node:fs";
import { z } from "zod";
import { localUrl } from "../../app/console-url.ts";
import { EXIT } from "../../app/error-codes.ts";
import { databaseIsMissing } from "../../app/restore/missing-database.ts";
import type { Alert } from "../../app/status.ts";
import type { App } from "../../app.ts";
import { runningUrlFile } from "../../config/paths.ts";
import { describeError } from "../../lib/errors.ts";
import { acquireFileLock, LockHeldError } from "../../lib/files/file-lock.ts";
import { isLoopbackHost } from "../../lib/hosts.ts";
import { escapeControlCharacters } from "../../lib/text.ts";
import { type FlagSpec, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp } from "../data-command.ts";
import { DATA_FLAGS } from "../wiring.ts";

export const STATUS_FLAGS: FlagSpec[] = [
  { name: "json", help: "print the result as JSON" },
  {
    name: "check-seconds",
    value: "N",
    help: "how long the database's check may take when the app is not running (default 30)",
  },
  ...DATA_FLAGS,
];

/** How long a running app has to answer its health check. */
const ASK_APP_MS = 5000;
/** The most of an answer read from whatever listens on the app's port. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** What `/api/health` answers, as far as it is believed: anything else is not the app answering. */
const healthAnswer = z.object({
  status: z.enum(["ok", "degraded"]),
  reasons: z
    .array(z.string().regex(/^[a-z_]{1,64}$/))
    .max(32)
    .optional(),
});

/** The health found, and in words what each reason about the database means. */
interface Found {
  app: "running" | "stopped";
  reasons: string[];
  /** The database in words when something is wrong with it, else null. */
  database: string | null;
  /** A note that is no reason (a check that did not finish in time). */
  note: string | null;
}

/**
 * The running app's own `/api/health` (its recovery mode, its database, its alerts), asked within
 * 5 seconds; an app that does not answer, or an answer that is not its health, is a reason itself.
 */
async function askRunningApp(app: App): Promise<Found> {
  const url = `${runningAppUrl(app)}/api/health`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(ASK_APP_MS), redirect: "error" });
    const body = await readBounded(response);
    const answer = healthAnswer.safeParse(JSON.parse(body));
    if (!response.ok || !answer.success) throw new Error("the answer was not BusinessApp's health");
    const reasons = answer.data.reasons ?? [];
    const database = reasons.includes("recovery_mode")
      ? "the app runs in recovery mode: the database cannot be used until a backup is restored"
      : reasons.includes("database_unavailable")
        ? "the running app cannot use it"
        : null;
    return { app: "running", reasons, database, note: null };
  } catch (error) {
    return {
      app: "running",
      reasons: ["app_not_answering"],
      database: null,
      note: `BusinessApp runs, but ${url} did not answer its health check within ${ASK_APP_MS / 1000} s (${describeError(error)}).`,
    };
  }
}

/**
 * The address the running app wrote beside its lock when it is one the app writes (plain HTTP to
 * this machine itself, a port, nothing more), else the settings': `status` never asks another host.
 */
function runningAppUrl(app: App): string {
  try {
    const written = readFileSync(runningUrlFile(app.paths), "utf8").trim();
    const url = new URL(written);
    const own = url.protocol === "http:" && url.pathname === "/" && !url.search && !url.hash && url.port;
    if (own && !url.username && !url.password && isLoopbackHost(url.hostname)) return url.origin;
  } catch {
    // Not written (an older version runs), or not an address: the settings say where it listens.
  }
  const { host, port } = app.config.settings;
  return localUrl(host, port);
}

/** At most `MAX_ANSWER_BYTES` of a response's body, as text. */
async function readBounded(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new Error("the answer is too long");
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Without the app: the database looked at as the app would at its start — missing, or failing
 * SQLite's `quick_check` (run in a worker, given `seconds`; one that does not finish in time is
 * a note, not damage) — and the alerts from what is on disk.
 */
async function lookWithoutApp(app: App, seconds: number): Promise<Found> {
  const path = app.paths.database;
  const found: Found = { app: "stopped", reasons: [], database: null, note: null };
  if (databaseIsMissing(path)) {
    found.reasons.push("database_missing");
    found.database = `there is no database at ${path} (or it is empty)`;
    return found;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), seconds * 1000);
  });
  try {
    const check = await Promise.race([app.engine.checkDatabaseFile(false), late]);
    if (check === "late") {
      found.note = `The database's check did not finish within ${seconds} s (a large database): it is not counted as damage. The app checks it at every start.`;
    } else if (check.busy) {
      found.reasons.push("database_busy");
      found.database = "another program holds it locked, so it could not be checked";
    } else if (!check.ok) {
      found.reasons.push("database_damaged");
      found.database = `it failed its check (${check.reason})`;
    }
  } catch (error) {
    found.reasons.push("database_unavailable");
    found.database = `it cannot be read (${describeError(error)})`;
  } finally {
    clearTimeout(timer);
  }
  return found;
}

/**
 * `status [--json] [--check-seconds N]`: the health `GET /api/health` gives, whether or not the
 * app runs: when it runs, its own answer (recovery mode, its database, its alerts); when not, the
 * database looked at read-only with a bounded check, and the alerts from what is on disk (a
 * backup folder that cannot be written, an overdue or failed backup, a failed drill …). Each
 * reason is printed with what to do. Changes nothing. Exit 0 ok, 1 degraded: for Windows Task
 * Scheduler, cron or a monitoring tool.
 */
export async function statusCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, STATUS_FLAGS);
  const seconds = values["check-seconds"] === undefined ? 30 : Number(values["check-seconds"]);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600)
    throw new UsageError("--check-seconds must be a whole number from 1 to 3600.");
  const app = openDataApp(values, ctx);
  let found: Found;
  try {
    acquireFileLock(app.paths.instanceLock).release();
    found = await lookWithoutApp(app, seconds);
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    found = await askRunningApp(app);
  }
  const alerts: Alert[] = app.alerts.peek();
  // A running app's reasons are its own; its alerts are told in words from the same files.
  const reasons = found.app === "running" ? found.reasons : [...found.reasons, ...alerts.map((a) => a.id)];
  const told = alerts.filter((a) => reasons.includes(a.id));
  const status = reasons.length === 0 ? "ok" : "degraded";
  if (values.json) {
    const detail = {
      status,
      reasons,
      app: found.app,
      database: found.database,
      note: found.note,
      alerts: told,
    };
    ctx.stdout(`${JSON.stringify(detail, null, 2)}\n`);
  } else {
    const lines = [
      `BusinessApp: ${status} (the app is ${found.app === "running" ? "running" : "not running"})`,
    ];
    if (found.database) lines.push(`- The database: ${found.database}.`);
    for (const alert of told) lines.push(`- ${alert.message}`, `  What to do: ${alert.action}`);
    const untold = reasons.filter((r) => !told.some((a) => a.id === r) && !DATABASE_REASONS.has(r));
    for (const reason of untold) lines.push(`- ${reason.replaceAll("_", " ")}`);
    if (found.note) lines.push(found.note);
    ctx.stdout(`${lines.map(escapeControlCharacters).join("\n")}\n`);
  }
  return status === "ok" ? EXIT.ok : EXIT.failed;
}

/** The reasons `The database: …` tells. */
const DATABASE_REASONS = new Set([
  "recovery_mode",
  "database_unavailable",
  "database_missing",
  "database_damaged",
  "database_busy",
]);
