import { describeDrill } from "../app/drill-words.ts";
import { EXIT } from "../app/error-codes.ts";
import type { DrillResult } from "../backup/index.ts";
import { escapeControlCharacters } from "../lib/text.ts";
import { type FlagSpec, parseFlags } from "./args.ts";
import type { CliContext } from "./context.ts";
import { openDataApp, reportFailure, withProgress } from "./data-command.ts";
import { DATA_FLAGS } from "./wiring.ts";

export const DRILL_FLAGS: FlagSpec[] = [{ name: "json", help: "print the result as JSON" }, ...DATA_FLAGS];

/**
 * `drill [--json]`: one restore drill now (the engine's `drill`), beside a running app or
 * without one; the live database is never touched. Exit 0 passed, 1 failed, 3 busy.
 */
export async function drillCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, DRILL_FLAGS);
  const { engine } = openDataApp(values, ctx);
  let result: DrillResult;
  try {
    result = await withProgress(ctx, engine, () => engine.drill(), { quiet: Boolean(values.json) });
  } catch (error) {
    return reportFailure(ctx, "Restore drill failed", error);
  }
  if (values.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else if (result.ok) ctx.stdout(`${escapeControlCharacters(describeDrill(result))}\n`);
  else ctx.stderr(`${escapeControlCharacters(describeDrill(result))}\n`);
  return result.ok ? EXIT.ok : EXIT.failed;
}
