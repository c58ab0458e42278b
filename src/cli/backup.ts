import { MAX_DESCRIPTION_LENGTH } from "../backup/names.ts";
import { formatBytes } from "../lib/format.ts";
import { type FlagSpec, parseFlags, UsageError } from "./args.ts";
import type { CliContext } from "./context.ts";
import { loadDataConfig, openEngine, reportFailure } from "./data-command.ts";
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

/** `backup [--description TEXT]`: one manual backup; works while the server runs. */
export async function backupCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, BACKUP_FLAGS);
  const description = typeof values.description === "string" ? values.description.trim() : "";
  if ([...description].length > MAX_DESCRIPTION_LENGTH) {
    throw new UsageError(`--description is too long: at most ${MAX_DESCRIPTION_LENGTH} characters.`);
  }
  const config = loadDataConfig(values, ctx);
  const engine = openEngine(config);
  try {
    const record = await engine.createBackup({ kind: "manual", description, createdBy: commandLineUser() });
    ctx.stdout(`Backup created: ${record.name} (${formatBytes(record.size)})\n`);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(ctx, "Failed to create backup", error);
  }
}
