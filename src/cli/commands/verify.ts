import { EXIT } from "../../app/error-codes.ts";
import { escapeControlCharacters } from "../../lib/text.ts";
import { type FlagSpec, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp, reportFailure, whileShowing } from "../data-command.ts";
import type { Progress } from "../progress.ts";
import { DATA_FLAGS } from "../wiring.ts";

export const VERIFY_FLAGS: FlagSpec[] = [{ name: "all", help: "check every backup" }, ...DATA_FLAGS];

/** `verify NAME | --all`: the full check; exit 1 if any backup is damaged. */
export async function verifyCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseFlags(args, VERIFY_FLAGS, 1);
  const name = positionals[0];
  if (Boolean(values.all) === (name !== undefined)) throw new UsageError("Give one backup NAME, or --all.");
  const { engine } = openDataApp(values, ctx);
  try {
    let current: Progress | null = null;
    // One check after another under one hold of the lock; the line says which, of how many.
    const results = await whileShowing(
      ctx,
      () => current,
      () =>
        engine.checks.verify(name === undefined ? undefined : [name], (record, i, count) => {
          current = { label: `Checking ${record.name} (${i + 1} of ${count})`, done: 0, total: 0 };
        }),
    );
    for (const r of results) {
      const line =
        r.health === "verified"
          ? `ok       ${r.name}${describeUnknownTables(r.unknownTables)}`
          : `DAMAGED  ${r.name}: ${r.reason}`;
      ctx.stdout(`${escapeControlCharacters(line)}\n`);
    }
    if (results.length === 0) ctx.stdout("No backups to check.\n");
    return results.some((r) => r.health !== "verified") ? EXIT.failed : EXIT.ok;
  } catch (error) {
    return reportFailure(ctx, "Verification failed", error);
  }
}

/** The trust rule's note on a healthy backup: the tables it keeps as plain data. */
function describeUnknownTables(tables: string[] | undefined): string {
  if (!tables || tables.length === 0) return "";
  return ` (tables BusinessApp does not know, kept as plain data: ${tables.join(", ")})`;
}
