import { EXIT } from "../../app/error-codes.ts";
import { missingDatabase } from "../../app/restore/missing-database.ts";
import {
  type BackupEngine,
  descriptionProblem,
  MAX_DESCRIPTION_LENGTH,
  type ManifestRecord,
  passedFullCheck,
} from "../../backup/index.ts";
import { describeError } from "../../lib/errors.ts";
import { formatBytes } from "../../lib/format.ts";
import type { OffsiteService } from "../../offsite/service.ts";
import { type FlagSpec, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp, refuseMissing, reportFailure, whileShowing, withProgress } from "../data-command.ts";
import { commandLineUser, DATA_FLAGS } from "../wiring.ts";
import { copyProgress } from "./offsite.ts";

export const BACKUP_FLAGS: FlagSpec[] = [
  {
    name: "description",
    value: "TEXT",
    help: `what the backup is for (at most ${MAX_DESCRIPTION_LENGTH} characters)`,
  },
  ...DATA_FLAGS,
];

/**
 * `backup [--description TEXT]`: one manual backup, then its full check (`checkMade`), so that
 * restoring it needs no second one; works while the server runs. A local operator is not held to
 * the web's hourly limit of manual backups.
 */
export async function backupCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, BACKUP_FLAGS);
  const description = typeof values.description === "string" ? values.description.trim() : "";
  const problem = descriptionProblem(description);
  if (problem) throw new UsageError(`--description: ${problem}`);
  const app = openDataApp(values, ctx);
  const { engine, offsite } = app;
  const missing = await missingDatabase(app);
  if (missing) return refuseMissing(ctx, missing);
  let record: ManifestRecord;
  try {
    const by = commandLineUser();
    record = await withProgress(ctx, engine, () =>
      engine.createBackup({ kind: "manual", description, createdBy: by }),
    );
  } catch (error) {
    return reportFailure(ctx, "Failed to create backup", error);
  }
  const code = await checkMade(engine, record, ctx);
  if (code === EXIT.ok && offsite.configured) await copyOffsite(offsite, ctx);
  return code;
}

/**
 * The new backup's full check, after the lock is let go (`checkMade`), and the command's line
 * about the backup. Ctrl+C meanwhile, another process holding the lock when it is recorded, or a
 * list that cannot be written, leaves it listed without one: the app checks it at its next start,
 * `verify` at once. Damage the check found fails the command (exit 1) whether or not it was recorded.
 */
async function checkMade(engine: BackupEngine, record: ManifestRecord, ctx: CliContext): Promise<number> {
  const made = `Backup created: ${record.name} (${formatBytes(record.size)})`;
  const later = `${made}; its full check follows (at the app's next start, or: business-app verify ${record.name})`;
  const checking = { label: `Checking ${record.name}`, done: 0, total: 0 };
  try {
    const { inspected, listed, unrecorded } = await whileShowing(
      ctx,
      () => checking,
      () => engine.checks.checkMade(record),
    );
    // Damage found is told even when another process held the lock and it could not be recorded.
    const damaged = listed?.health === "damaged" ? listed : inspected.health === "damaged" ? inspected : null;
    if (damaged) {
      ctx.stderr(`${made}, but it failed its full check: ${damaged.reason}\n`);
      return EXIT.failed;
    }
    ctx.stdout(listed && passedFullCheck(listed) ? `${made}, fully checked\n` : `${later}\n`);
    if (unrecorded) ctx.stderr(`Its full check passed but could not be recorded: ${unrecorded}\n`);
  } catch (error) {
    ctx.stdout(`${later}\n`);
    ctx.stderr(`The full check could not run: ${describeError(error)}\n`);
  }
  return EXIT.ok;
}

/**
 * The off-site copy after the backup, as the app makes it in the background: its failure is
 * told, never the backup's (which is made, and exit code 0); a later run copies what is missing.
 */
async function copyOffsite(offsite: OffsiteService, ctx: CliContext): Promise<void> {
  try {
    const results = await whileShowing(ctx, copyProgress(offsite), () => offsite.syncNow());
    for (const { target, error } of results) {
      if (error)
        ctx.stderr(
          `Off-site copy to ${target.label} failed: ${error.message}; it is copied at the next run.\n`,
        );
      else ctx.stdout(`Off-site copies up to date: ${target.label} (${target.where})\n`);
    }
  } catch (error) {
    ctx.stderr(`Off-site copy postponed: ${describeError(error)}\n`);
  }
}
