import { readStdinLine } from "#runtime/process.ts";
import { recordQuietly } from "../auth/audit.ts";
import { acquireFileLock, LockHeldError } from "../lib/file-lock.ts";
import { formatBytes } from "../lib/format.ts";
import { formatLogTime } from "../lib/time.ts";
import { type FlagSpec, parseFlags, UsageError } from "./args.ts";
import type { CliContext } from "./context.ts";
import { openDataApp, reportFailure, withProgress } from "./data-command.ts";
import { EXIT } from "./exit-codes.ts";
import { commandLineUser, DATA_FLAGS } from "./wiring.ts";

export const RESTORE_FLAGS: FlagSpec[] = [
  { name: "latest", help: "restore the newest backup that passes the full check" },
  { name: "yes", help: "do not ask for confirmation" },
  ...DATA_FLAGS,
];

/** Reads one line from standard input (the answer to a question). */
async function readAnswer(): Promise<string> {
  return (await readStdinLine()).trim();
}

/**
 * `restore NAME | --latest [--yes]`: the offline restore for the day the app will not start.
 * Refuses while the app runs (the web page restores a running app without a restart).
 */
export async function restoreCommand(
  args: string[],
  ctx: CliContext,
  ask: () => Promise<string> = readAnswer,
): Promise<number> {
  const { values, positionals } = parseFlags(args, RESTORE_FLAGS, 1);
  const name = positionals[0];
  if (Boolean(values.latest) === (name !== undefined))
    throw new UsageError("Give one backup NAME, or --latest.");
  const { engine, paths, auth } = openDataApp(values, ctx);

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
    if (!values.yes) {
      const what = name ? describeBackup(engine.find(name)) : "the newest backup that passes the full check";
      ctx.stdout(
        `This replaces the database ${paths.database}\nwith ${what}.\n` +
          "The current database is first saved as a pre-restore backup, and everyone will have to sign in again.\n" +
          "Type yes to continue: ",
      );
      if ((await ask()).toLowerCase() !== "yes") {
        ctx.stdout("Restore cancelled; nothing was changed.\n");
        return EXIT.failed;
      }
    }
    const by = commandLineUser();
    const action = name ? "backup: restore" : "backup: emergency restore";
    const result = await withProgress(ctx, engine, () =>
      name ? engine.restore(name, { by }) : engine.emergencyRestore({ by }),
    ).catch((error) => {
      recordQuietly(auth.audit, { action, target: name ?? null, outcome: "failure", username: by });
      throw error;
    });
    recordQuietly(auth.audit, { action, target: result.restoredFrom, outcome: "success", username: by });
    const kept = result.safetyBackup ? ` A safety backup was saved as ${result.safetyBackup}.` : "";
    ctx.stdout(`Restored from ${result.restoredFrom}.${kept}\n`);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(ctx, "Restore failed", error);
  } finally {
    auth.audit.close();
    instance.release();
  }
}

function describeBackup(record: { name: string; createdAt: string; size: number }): string {
  return `${record.name} (made ${formatLogTime(new Date(record.createdAt))}, ${formatBytes(record.size)})`;
}
