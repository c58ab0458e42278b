import type { SqlDatabase } from "../../runtime/types.ts";
import { type DiffRow, type DiffSide, readDiffPage } from "./diff.ts";
import { type LookContext, openForLook, shopTable } from "./gate.ts";
import { comparable } from "./look.ts";
import { MAX_PAGE, readRowsPage, type ScanBudget } from "./rows.ts";
import { openJudgedBackup, openPair } from "./tasks.ts";

/**
 * What one step of an export may read before it hands its lines on: small, because an export
 * runs on the caller's thread (a server's) between its other work, and its reader sets the pace.
 */
const STEP_BUDGET: ScanBudget = { rows: 4_000, ms: 20 };

/** The first column of a difference's lines: which side the row is of. */
export const CHANGE_COLUMN = "change";

/**
 * How a text starts that a spreadsheet would run as a formula when the file is opened (`=`, `+`,
 * `-`, `@`, a tab or a carriage return): a backup may come from elsewhere, and its text with it.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field as RFC 4180 has it: quoted when it holds a quote, a comma or a line break (quotes
 * doubled); NULL as nothing, the empty text as `""`, so the two stay apart. Text that would start
 * a formula gets a `'` before it, as spreadsheets write text typed that way; a number (an integer
 * or a real as SQLite gave it, a negative one too) is written as it is.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" && FORMULA_START.test(value) ? `'${value}` : String(value);
  if (text === "" || /[",\r\n]/.test(text)) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

export function csvLine(values: unknown[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/**
 * A table of the backup, or one side of its difference with today's (with a first column
 * `change`: deleted, added, or for a changed row one line as it was and one as it is now), as
 * CSV: a header line, then a chunk of lines per step. Streamed: a step reads a bounded part of
 * the table (`STEP_BUDGET`) and the next one starts when the reader asks for more, so the table
 * is never held whole. Values are whole (not cut as on a page); a blob is `<blob N bytes>`.
 */
export async function* exportCsv(
  ctx: LookContext,
  request: { name: string; table: string; side?: DiffSide; header?: boolean },
): AsyncGenerator<string> {
  const side = request.side;
  if (side === undefined) {
    const opened = await openForLook(ctx, request.name);
    const shape = shopTable(opened, request.table);
    const db = openJudgedBackup(opened);
    try {
      if (request.header !== false) yield csvLine(shape.columns);
      let after: string | undefined;
      do {
        const page = readRowsPage(
          db,
          shape,
          { after, limit: MAX_PAGE, whole: true },
          { budget: STEP_BUDGET },
        );
        if (page.rows.length > 0) yield page.rows.map(csvLine).join("");
        after = page.next ?? undefined;
      } while (after !== undefined);
    } finally {
      db.close();
    }
    return;
  }
  const { opened, shape } = await comparable(ctx, { ...request, side });
  const db: SqlDatabase = openPair({ ...opened, live: ctx.database });
  try {
    if (request.header !== false) yield csvLine([CHANGE_COLUMN, ...shape.columns]);
    let after: string | undefined;
    do {
      const page = readDiffPage(
        db,
        shape,
        { side, after, limit: MAX_PAGE, whole: true },
        { budget: STEP_BUDGET },
      );
      if (page.rows.length > 0) yield page.rows.map((row) => diffLines(side, row)).join("");
      after = page.next ?? undefined;
    } while (after !== undefined);
  } finally {
    db.close();
  }
}

function diffLines(side: DiffSide, row: DiffRow): string {
  if (side === "deleted") return csvLine(["deleted", ...(row.backup ?? [])]);
  if (side === "added") return csvLine(["added", ...(row.now ?? [])]);
  return csvLine(["changed: backup", ...(row.backup ?? [])]) + csvLine(["changed: now", ...(row.now ?? [])]);
}
