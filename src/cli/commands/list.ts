import { EXIT } from "../../app/error-codes.ts";
import { publicEntry } from "../../backup/index.ts";
import { formatBytes } from "../../lib/format.ts";
import { formatLogTime } from "../../lib/time.ts";
import { type FlagSpec, parseFlags } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp } from "../data-command.ts";
import { formatTable } from "../table.ts";
import { DATA_FLAGS } from "../wiring.ts";

export const LIST_FLAGS: FlagSpec[] = [
  { name: "json", help: 'JSON instead of text (list: {"backups":[…]} as the API answers)' },
  ...DATA_FLAGS,
];

/** `list [--json]`: the backups, newest first; files seen for the first time are checked first. */
export async function listCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, LIST_FLAGS);
  const app = openDataApp(values, ctx);
  const { engine } = app;
  await engine.checks.verifyNew();
  const records = engine.list();
  const window = app.continuousStatus();
  if (values.json) {
    const { from, to, lastCapturedAt, places } = window;
    const answer = { backups: records.map(publicEntry), continuous: { from, to, lastCapturedAt, places } };
    ctx.stdout(`${JSON.stringify(answer, null, 2)}\n`);
    return EXIT.ok;
  }
  const moments =
    window.from && window.to
      ? `Continuous protection can restore any moment from ${formatLogTime(new Date(window.from))} to ${formatLogTime(new Date(window.to))} (restore --at TIME).\n`
      : "";
  if (records.length === 0) {
    ctx.stdout(`No backups yet in ${engine.backupsDir}\n${moments}`);
    return EXIT.ok;
  }
  // A description written before control characters were refused, or by another tool, must not
  // move the cursor, clear the screen or fake a row: `formatTable` escapes them.
  const rows = records.map((r) => [
    r.name,
    r.kind,
    formatLogTime(new Date(r.createdAt)),
    formatBytes(r.size),
    r.health,
    r.description,
  ]);
  ctx.stdout(
    `${formatTable(["NAME", "KIND", "CREATED", "SIZE", "HEALTH", "DESCRIPTION"], rows)}\n${moments}`,
  );
  return EXIT.ok;
}
