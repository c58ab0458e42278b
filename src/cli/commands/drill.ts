import { describeDrill, describePlaceDrill } from "../../app/drill-words.ts";
import { EXIT } from "../../app/error-codes.ts";
import type { DrillResult } from "../../backup/index.ts";
import { escapeControlCharacters } from "../../lib/text.ts";
import type { PlaceDrill } from "../../offsite/drills/drill.ts";
import { type FlagSpec, parseFlags } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp, reportFailure, withProgress } from "../data-command.ts";
import { DATA_FLAGS } from "../wiring.ts";
import { offsiteSource } from "./restore.ts";

export const DRILL_FLAGS: FlagSpec[] = [
  { name: "from", value: "mirror|s3", help: "drill the newest copy in that off-site place instead" },
  { name: "json", help: "print the result as JSON" },
  ...DATA_FLAGS,
];

/**
 * `drill [--from mirror|s3] [--json]`: one restore drill now (the engine's `drill`), beside a
 * running app or without one; the live database is never touched. With `--from`, the off-site
 * drill of that place (`OffsiteDrills.drill`): its newest copy downloaded, decrypted and given the
 * same check; a place that is not set up is exit 2. Exit 0 passed, 1 failed (or nothing to drill
 * yet), 3 busy.
 */
export async function drillCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, DRILL_FLAGS);
  const from = offsiteSource(values.from);
  const app = openDataApp(values, ctx);
  const { engine } = app;
  let result: DrillResult | PlaceDrill;
  let words: string;
  try {
    if (from) {
      const drilled = await app.offsiteDrills.drill(from);
      [result, words] = [drilled, describePlaceDrill(drilled)];
    } else {
      const drilled = await withProgress(ctx, engine, () => engine.drills.run(), {
        quiet: Boolean(values.json),
      });
      [result, words] = [drilled, describeDrill(drilled)];
    }
  } catch (error) {
    return reportFailure(ctx, from ? "Off-site drill failed" : "Restore drill failed", error);
  }
  if (values.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else if (result.ok) ctx.stdout(`${escapeControlCharacters(words)}\n`);
  else ctx.stderr(`${escapeControlCharacters(words)}\n`);
  return result.ok ? EXIT.ok : EXIT.failed;
}
