import { EXIT } from "../../app/error-codes.ts";
import {
  DIFF_SIDES,
  type DiffPage,
  diffCounts,
  diffTable,
  exportCsv,
  type LookContext,
  type LookSummary,
  type RowsPage,
  readRows,
  summarizeBackup,
} from "../../backup/index.ts";
import { showTime } from "../../lib/time.ts";
import { type FlagSpec, PROGRAM, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp, reportFailure } from "../data-command.ts";
import { formatTable } from "../table.ts";
import { DATA_FLAGS } from "../wiring.ts";

export const INSPECT_FLAGS: FlagSpec[] = [
  { name: "table", value: "T", help: "inspect: the rows of table T (the first page)" },
  { name: "diff", help: "inspect: how table T differs from the database now (deleted, added, changed)" },
  { name: "csv", help: "inspect: all rows (or all differences) as CSV on standard output" },
  { name: "search", value: "TEXT", help: "inspect: only rows holding TEXT (any column, any case)" },
  { name: "json", help: "JSON instead of text" },
  ...DATA_FLAGS,
];

/** Rows a page shows at the command line. */
const PAGE = 50;

/**
 * `inspect NAME [--table T] [--diff] [--csv] [--search TEXT] [--json]`: what a backup holds,
 * without restoring it and without touching the database: its tables with their rows then and now,
 * a table's rows, or how a table differs from today's.
 */
export async function inspectCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseFlags(args, INSPECT_FLAGS, 1);
  const name = positionals[0];
  if (name === undefined) throw new UsageError("Give the NAME of a backup, as list shows it.");
  const table = typeof values.table === "string" ? values.table : undefined;
  const search = typeof values.search === "string" ? values.search : undefined;
  if (table === undefined && (values.diff || values.csv || search !== undefined))
    throw new UsageError("--diff, --csv and --search need --table T.");
  if (values.diff && search !== undefined) throw new UsageError("--search does not go with --diff.");
  if (values.csv && values.json) throw new UsageError("Choose --csv or --json.");
  const { engine } = openDataApp(values, ctx);
  try {
    if (table === undefined)
      return printSummary(ctx, await summarizeBackup(engine, name), values.json === true);
    if (values.csv) {
      const sides = values.diff ? DIFF_SIDES : [undefined];
      for (const [i, side] of sides.entries())
        for await (const chunk of exportCsv(engine, { name, table, side, header: i === 0 }))
          ctx.stdout(chunk);
      return EXIT.ok;
    }
    if (values.diff) return await printDiff(ctx, engine, { name, table }, values.json === true);
    const page = await firstPage(engine, { name, table, search });
    if (values.json) ctx.stdout(`${JSON.stringify(page, null, 2)}\n`);
    else ctx.stdout(`${formatTable(page.columns, page.rows.map(cells))}\n${moreRows(page, search)}`);
    return EXIT.ok;
  } catch (error) {
    return reportFailure(ctx, "Inspect failed", error);
  }
}

function printSummary(ctx: CliContext, summary: LookSummary, json: boolean): number {
  if (json) {
    ctx.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = summary.tables.map((t) => [
    t.name,
    count(t.backupRows),
    count(t.nowRows),
    t.backupRows === null || t.nowRows === null ? "?" : signed(t.nowRows - t.backupRows),
    t.appTable ? "BusinessApp's own: counts only" : t.key ? "" : "no primary key: rows only, no difference",
  ]);
  const unknown = summary.nowUnknown ? `The rows now are not known: ${summary.nowUnknown}.\n` : "";
  // A count that stayed the same may hide rows deleted and others added: the hint says where to look.
  const hint = summary.tables.some((t) => !t.appTable && t.key)
    ? `Which rows were deleted, added or changed since: ${PROGRAM} inspect ${summary.name} --table T --diff\n`
    : "";
  ctx.stdout(
    `Backup ${summary.name}, data of ${showTime(summary.dataAt)}\n${formatTable(["TABLE", "IN BACKUP", "NOW", "ROWS +/-", "NOTE"], rows)}\n${unknown}${hint}`,
  );
  return EXIT.ok;
}

/** The first page of rows; a search goes on past its budget until the page is full or the table ends. */
async function firstPage(
  look: LookContext,
  request: { name: string; table: string; search: string | undefined },
): Promise<RowsPage> {
  const page = await readRows(look, { ...request, limit: PAGE });
  while (page.next !== null && page.rows.length < PAGE) {
    const more = await readRows(look, { ...request, after: page.next, limit: PAGE - page.rows.length });
    page.rows.push(...more.rows);
    page.next = more.next;
    page.complete = more.complete;
  }
  return page;
}

async function printDiff(
  ctx: CliContext,
  look: LookContext,
  request: { name: string; table: string },
  json: boolean,
): Promise<number> {
  const counts = await diffCounts(look, { ...request, wait: true });
  const pages: Record<string, DiffPage> = {};
  for (const side of DIFF_SIDES) {
    const page = await diffTable(look, { ...request, side, limit: PAGE });
    // A page stops at its budget: go on until it is full or the walk ends.
    while (page.next !== null && page.rows.length < PAGE) {
      const more = await diffTable(look, {
        ...request,
        side,
        after: page.next,
        limit: PAGE - page.rows.length,
      });
      page.rows.push(...more.rows);
      page.next = more.next;
    }
    pages[side] = page;
  }
  if (json) {
    // The key as shown (digits beyond 2^53); the exact one is bigint, which JSON has not.
    const shown = Object.fromEntries(
      Object.entries(pages).map(([side, page]) => [
        side,
        { ...page, rows: page.rows.map(({ exactKey: _, ...row }) => row) },
      ]),
    );
    ctx.stdout(`${JSON.stringify({ counts, ...shown }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (counts === "counting") return EXIT.failed;
  let text = `${counts.deleted} deleted, ${counts.added} added, ${counts.changed} changed since the backup\n`;
  for (const side of DIFF_SIDES) {
    const page = pages[side] as DiffPage;
    if (page.rows.length === 0) continue;
    const rows = page.rows.flatMap((row) =>
      side === "changed"
        ? [
            ["backup", ...cells(row.backup ?? [])],
            ["now", ...cells(row.now ?? [])],
          ]
        : [[side, ...cells((side === "deleted" ? row.backup : row.now) ?? [])]],
    );
    const shown = page.next === null ? "" : ` (the first ${page.rows.length}; --csv prints all)`;
    text += `\n${side}${shown}:\n${formatTable(["CHANGE", ...page.columns], rows)}\n`;
  }
  ctx.stdout(text);
  return EXIT.ok;
}

function cells(values: unknown[]): string[] {
  return values.map((v) => (v === null ? "NULL" : String(v)));
}

function count(n: number | null): string {
  return n === null ? "?" : String(n);
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

function moreRows(page: RowsPage, search: string | undefined): string {
  if (page.next === null)
    return page.rows.length === 0 ? (search ? "No row holds that text.\n" : "No rows.\n") : "";
  return `(the first ${page.rows.length} rows; --csv prints all)\n`;
}
