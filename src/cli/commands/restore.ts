import { readStdinLine } from "#runtime/process.ts";
import { EXIT } from "../../app/error-codes.ts";
import { restoreToPoint } from "../../app/restore/point-restore.ts";
import { restoreSentences, rowChangeLines } from "../../app/restore/questions.ts";
import { previewRestoreOf, restoreBackup } from "../../app/restore/restore.ts";
import type { App } from "../../app.ts";
import { recordQuietly } from "../../auth/audit.ts";
import { acquireFileLock, LockHeldError } from "../../lib/files/file-lock.ts";
import { formatLogTime, parseMoment } from "../../lib/time.ts";
import type { RemoteCopy } from "../../offsite/copies/copies.ts";
import type { TargetId } from "../../offsite/places/target.ts";
import { type FlagSpec, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { engineProgress, openDataApp, reportFailure, whileShowing, withProgress } from "../data-command.ts";
import type { Progress } from "../progress.ts";
import { commandLineUser, DATA_FLAGS } from "../wiring.ts";

export const RESTORE_FLAGS: FlagSpec[] = [
  { name: "latest", help: "restore the newest backup that passes the full check" },
  {
    name: "at",
    value: "TIME",
    help: "restore the database as it was at TIME (continuous protection): now, ISO 8601, or YYYY-MM-DD HH:MM[:SS] local time",
  },
  { name: "from", value: "mirror|s3", help: "restore from an off-site copy (works in an empty data folder)" },
  { name: "yes", help: "do not ask for confirmation" },
  ...DATA_FLAGS,
];

/** Reads one line from standard input (the answer to a question). */
async function readAnswer(): Promise<string> {
  return (await readStdinLine()).trim();
}

/** `--from`: which off-site place, or null for the backup folder. */
export function offsiteSource(value: string | boolean | undefined): TargetId | null {
  if (value === undefined) return null;
  if (value === "mirror" || value === "s3") return value;
  throw new UsageError("--from must be mirror or s3.");
}

/**
 * `restore NAME | --latest [--from mirror|s3] [--yes]`: the offline restore for the day the app
 * will not start; with `--from`, from an off-site copy (downloaded, decrypted and checked first),
 * which works on a new PC with an empty data folder and only the settings. Refuses while the app
 * runs (the web page restores a running app without a restart).
 */
export async function restoreCommand(
  args: string[],
  ctx: CliContext,
  ask: () => Promise<string> = readAnswer,
): Promise<number> {
  const { values, positionals } = parseFlags(args, RESTORE_FLAGS, 1);
  const name = positionals[0];
  const chosen = [Boolean(values.latest), name !== undefined, values.at !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError("Give one backup NAME, or --latest, or --at TIME.");
  const from = offsiteSource(values.from);
  const at = pointInTime(values.at, new Date());
  const app = openDataApp(values, ctx);
  const { engine, paths, auth } = app;

  let instance: ReturnType<typeof acquireFileLock>;
  try {
    instance = acquireFileLock(paths.instanceLock);
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    ctx.stderr(
      `BusinessApp is running (pid ${error.pid ?? "unknown"}). Stop it first, or restore from the Database Backup page, which needs no restart.\n`,
    );
    return EXIT.locked;
  }
  try {
    if (at) return await restoreAtCommand(app, ctx, at, { yes: Boolean(values.yes), ask, from });
    // The question names what will be put back; an emergency restore then takes only that one.
    let expected: string | null = null;
    if (!values.yes) {
      const preview = await previewRestoreOf(app, { name: name ?? null, from });
      expected = name ? null : preview.name;
      ctx.stdout(
        `This replaces the database ${paths.database}.\n` +
          `${restoreSentences(preview, { emergency: !name }).join("\n")}\n` +
          (preview.tables.length
            ? `Rows now → after:\n${rowChangeLines(preview)
                .map((l) => `  ${l}\n`)
                .join("")}`
            : "") +
          "Type yes to continue: ",
      );
      if ((await ask()).toLowerCase() !== "yes") {
        ctx.stdout("Restore cancelled; nothing was changed.\n");
        return EXIT.failed;
      }
    }
    const by = commandLineUser();
    const action = name ? "backup: restore" : "backup: emergency restore";
    const result = await (from
      ? restoreOffsite(app, ctx, { from, name: name ?? null, by, expected })
      : withProgress(ctx, engine, () => restoreBackup(app, { name: name ?? null, by, expected }))
    ).catch((error) => {
      recordQuietly(auth.audit, { action, target: name ?? null, outcome: "failure", username: by });
      throw error;
    });
    recordQuietly(auth.audit, { action, target: result.restoredFrom, outcome: "success", username: by });
    const kept = result.safetyBackup ? ` A safety backup was saved as ${result.safetyBackup}.` : "";
    const copy = from ? ` (its off-site copy in ${app.offsite.target(from).label})` : "";
    ctx.stdout(`Restored from ${result.restoredFrom}${copy}.${kept}\n`);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(ctx, "Restore failed", error);
  } finally {
    auth.audit.close();
    instance.release();
  }
}

/** `--at TIME` as a moment, or null without it; a `UsageError` for a text that is not one. */
function pointInTime(value: string | boolean | undefined, now: Date): Date | null {
  if (value === undefined) return null;
  const at = typeof value === "string" ? parseMoment(value, now) : null;
  if (!at)
    throw new UsageError(
      "--at takes a moment: now, ISO 8601 such as 2026-12-06T14:05:00Z, or local time as YYYY-MM-DD HH:MM[:SS].",
    );
  return at;
}

/** `restore --at TIME`: the question (unless `--yes`), then `restoreToPoint`, audited. */
async function restoreAtCommand(
  app: App,
  ctx: CliContext,
  at: Date,
  options: { yes: boolean; ask: () => Promise<string>; from: TargetId | null },
): Promise<number> {
  const { from } = options;
  const where = from ? `, from ${app.offsite.target(from).label}` : "";
  if (!options.yes) {
    ctx.stdout(
      `This replaces the database ${app.paths.database} with the database as it was at ${formatLogTime(at)}${where}\n` +
        "(the last change continuous protection captured at or before then). A safety backup of the database now is kept.\n" +
        "Type yes to continue: ",
    );
    if ((await options.ask()).toLowerCase() !== "yes") {
      ctx.stdout("Restore cancelled; nothing was changed.\n");
      return EXIT.failed;
    }
  }
  const by = commandLineUser();
  const target = `point in time ${formatLogTime(at)}`;
  const result = await withProgress(ctx, app.engine, () =>
    restoreToPoint(app, { at, by, now: new Date(), from }),
  ).catch((error) => {
    recordQuietly(app.auth.audit, { action: "backup: restore", target, outcome: "failure", username: by });
    throw error;
  });
  recordQuietly(app.auth.audit, {
    action: "backup: restore",
    target: result.restoredFrom,
    outcome: "success",
    username: by,
  });
  const kept = result.safetyBackup ? ` A safety backup was saved as ${result.safetyBackup}.` : "";
  ctx.stdout(
    `Restored the database as it was at ${formatLogTime(new Date(result.point.at))}${where}${result.kept ? `, kept as ${result.kept}` : ""}.${kept}\n`,
  );
  return EXIT.ok;
}

/** The restore from an off-site copy, showing the download and then the restore on a terminal. */
function restoreOffsite(
  app: App,
  ctx: CliContext,
  options: { from: TargetId; name: string | null; by: string; expected: string | null },
) {
  let download: Progress | null = null;
  const engineShown = engineProgress(app.engine);
  const deps = { engine: app.engine, offsite: app.offsite, log: app.log, audit: app.auth.audit };
  return whileShowing(
    ctx,
    () => download ?? engineShown(),
    () =>
      restoreBackup(deps, {
        ...options,
        onDownload: (copy: RemoteCopy, bytes: number) => {
          download =
            bytes < copy.copySize
              ? { label: `Downloading ${copy.copyName}`, done: bytes, total: copy.copySize }
              : null;
        },
      }),
  );
}
