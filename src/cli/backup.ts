import { descriptionProblem } from "../backup/description.ts";
import { MAX_DESCRIPTION_LENGTH } from "../backup/names.ts";
import { formatBytes } from "../lib/format.ts";
import { type FlagSpec, parseFlags, UsageError } from "./args.ts";
import type { CliContext } from "./context.ts";
import { openDataApp, reportFailure, withProgress } from "./data-command.ts";
import { EXIT } from "./exit-codes.ts";
import { commandLineUser, DATA_FLAGS } from "./wiring.ts";

export const BACKUP_FLAGS: FlagSpec[] = [
  {
    name: "description",
    value: "TEXT",
    help: `what the backup is for (at most ${MAX_DESCRIPTION_LENGTH} characters)`,
  },
  ...DATA_FLAGS,
];

/**
 * `backup [--description TEXT]`: one manual backup; works while the server runs. A local
 * operator is not held to the web's hourly limit of manual backups.
 */
export async function backupCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, BACKUP_FLAGS);
  const description = typeof values.description === "string" ? values.description.trim() : "";
  const problem = descriptionProblem(description);
  if (problem) throw new UsageError(`--description: ${problem}`);
  const { engine } = openDataApp(values, ctx);
  try {
    const by = commandLineUser();
    const record = await withProgress(ctx, engine, () =>
      engine.createBackup({ kind: "manual", description, createdBy: by }),
    );
    ctx.stdout(`Backup created: ${record.name} (${formatBytes(record.size)})\n`);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(ctx, "Failed to create backup", error);
  }
}
