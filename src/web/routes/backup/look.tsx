/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import { stream } from "hono/streaming";
import type { Auth } from "../../../auth/auth.ts";
import {
  type BackupEngine,
  type DiffSide,
  describeRowKey,
  diffCounts,
  diffTable,
  exportCsv,
  readRows,
  summarizeBackup,
} from "../../../backup/index.ts";
import {
  DiffCounts as DiffCountsPart,
  DiffSection,
  type DiffView,
  LookDiffPage,
} from "../../../views/look/look-diff.tsx";
import { LookPage } from "../../../views/look/look-page.tsx";
import { lookUrl } from "../../../views/look/look-parts.tsx";
import { PutBackPage } from "../../../views/look/look-put-back.tsx";
import { LookRowsPage, RowsSection, type RowsView } from "../../../views/look/look-rows.tsx";
import { audited } from "../../audit.ts";
import type { AppEnv } from "../../context.ts";
import { showProblemsWith } from "../../errors.tsx";
import { readForm, textField } from "../../forms/form.ts";
import { decodeRowKey, encodeRowKey } from "../../forms/row-keys.ts";
import { isHtmx, redirectTo, respondFragment, respondPage } from "../../html.ts";
import { badInput } from "../../http-errors.ts";
import { pagePropsOf, viewerOf } from "../../viewer.ts";

/** The longest search text taken: a search is a word or two, not a document. */
const MAX_SEARCH = 200;
/** Keys named in the audit trail and on the question; the count says how many there were. */
const KEYS_SHOWN = 10;

const SIDES: readonly DiffSide[] = ["deleted", "added", "changed"];

function sideOf(value: string | undefined, fallback: DiffSide | undefined): DiffSide | undefined {
  if (value === undefined || value === "") return fallback;
  if (!(SIDES as readonly string[]).includes(value))
    throw badInput("A difference has three sides: deleted, added or changed.");
  return value as DiffSide;
}

/** What a request of a look names: the backup (in the path) and the table (in the query). */
function target(c: Context<AppEnv>) {
  return {
    name: c.req.param("name") ?? "",
    table: c.req.query("table") ?? "",
    after: c.req.query("after") || undefined,
  };
}

/** A file name for a download: the backup's and the table's names, with anything unusual replaced. */
function csvFileName(name: string, table: string, side: DiffSide | undefined): string {
  const base = [name.replace(/\.db$/i, ""), table, side].filter(Boolean).join("-");
  return `${base.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 150)}.csv`;
}

/**
 * Looking inside a backup (admins): its tables, a table's rows, how a table differs now, CSV
 * downloads; and putting deleted rows back (super admins, through a question first). Refusals are
 * the engine's errors, answered by the one error handler; a refused put-back is said on its question.
 */
export function lookRoutes(deps: { engine: BackupEngine; auth: Auth }) {
  const { engine } = deps;
  const app = new Hono<AppEnv>();
  app.use("/backup/look/*", async (c, next) => {
    c.header("Cache-Control", "no-store");
    await next();
  });

  app.get("/backup/look/:name", async (c) => {
    const summary = await summarizeBackup(engine, c.req.param("name"));
    return respondPage(c, <LookPage {...pagePropsOf(c)} summary={summary} />);
  });

  app.get("/backup/look/:name/rows", async (c) => {
    const { name, table, after } = target(c);
    const search = (c.req.query("search") ?? "").slice(0, MAX_SEARCH);
    const page = await readRows(engine, { name, table, after, ...(search.trim() ? { search } : {}) });
    const view: RowsView = { name, table, search, after: after ?? null, ...page };
    if (isHtmx(c)) return respondFragment(c, <RowsSection view={view} />);
    return respondPage(c, <LookRowsPage {...pagePropsOf(c)} view={view} />);
  });

  app.get("/backup/look/:name/diff", async (c) => {
    const { name, table, after } = target(c);
    const side = sideOf(c.req.query("side"), "deleted") as DiffSide;
    const page = await diffTable(engine, { name, table, side, after });
    const view: DiffView = {
      name,
      table,
      side,
      after: after ?? null,
      columns: page.columns,
      rows: page.rows.map((row) => ({ token: encodeRowKey(row.exactKey), backup: row.backup, now: row.now })),
      next: page.next,
      canPutBack: side === "deleted" && viewerOf(c).role === "super_admin",
    };
    if (isHtmx(c)) return respondFragment(c, <DiffSection view={view} viewer={viewerOf(c)} />);
    const counts = await diffCounts(engine, { name, table });
    const back = Number(c.req.query("back"));
    const message =
      Number.isInteger(back) && back > 0
        ? {
            kind: "ok" as const,
            text: `${back === 1 ? "1 row is" : `${back.toLocaleString("en-US")} rows are`} back in ${table}.`,
          }
        : null;
    return respondPage(c, <LookDiffPage {...pagePropsOf(c)} view={view} counts={counts} message={message} />);
  });

  /** The counts alone, which the difference page asks for every second while they are counted. */
  app.get("/backup/look/:name/counts", async (c) => {
    const { name, table } = target(c);
    const side = sideOf(c.req.query("side"), "deleted") as DiffSide;
    const counts = await diffCounts(engine, { name, table });
    return respondFragment(c, <DiffCountsPart name={name} table={table} side={side} counts={counts} />);
  });

  /** A table, or one side of its difference, as CSV; refused before the first line, as a page. */
  app.get("/backup/look/:name/csv", async (c) => {
    const { name, table } = target(c);
    const side = sideOf(c.req.query("side"), undefined);
    const lines = exportCsv(engine, { name, table, ...(side ? { side } : {}) })[Symbol.asyncIterator]();
    const first = await lines.next();
    c.header("Content-Type", "text/csv; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="${csvFileName(name, table, side)}"`);
    return stream(c, async (out) => {
      if (!first.done) await out.write(first.value);
      for (let part = await lines.next(); !part.done; part = await lines.next()) await out.write(part.value);
    });
  });

  /** The question first (without `confirmed`), then the rows back in one transaction, audited. */
  app.post("/backup/look/:name/put-back", async (c) => {
    const name = c.req.param("name");
    const form = await readForm(c, { all: true });
    const table = textField(form, "table");
    const tokens = [form.key ?? []].flat().filter((t): t is string => typeof t === "string");
    const keys = tokens.map(decodeRowKey);
    const shown = keys.slice(0, KEYS_SHOWN).map(describeRowKey);
    const question = { ...pagePropsOf(c), name, table, tokens, shown };
    if (textField(form, "confirmed") !== "yes") return respondPage(c, <PutBackPage {...question} />);
    showProblemsWith(c, (c, problem) =>
      respondPage(c, <PutBackPage {...question} refusal={problem.message} />, problem.status),
    );
    // The count first: the audit trail cuts a long entry at its end.
    const more = keys.length > KEYS_SHOWN ? ", …" : "";
    const about = `${keys.length} ${keys.length === 1 ? "row" : "rows"} of ${table} from ${name}: ${shown.join(", ")}${more}`;
    // The count, not the result: the audit names the table and keys, not only the backup.
    const back = await audited(c, deps.auth, "backup: put rows back", about, () =>
      engine.bringRowsBack({ name, table, keys, actor: viewerOf(c).username }).then((r) => r.keys.length),
    );
    return redirectTo(c, lookUrl(name, "diff", { table, side: "deleted", back: String(back) }));
  });

  return app;
}
