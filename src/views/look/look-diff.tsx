/** @jsxImportSource hono/jsx */
import type { DiffSide } from "../../backup/index.ts";
import { CsrfField, Notice, Page, type PageProps, type Viewer } from "../layout/layout.tsx";
import { count, LookTrail, lookUrl, Paging, RowsTable, Value } from "./look-parts.tsx";

export const SIDE_TITLE: Record<DiffSide, string> = {
  deleted: "Deleted since the backup",
  added: "Added since",
  changed: "Changed",
};
const SIDES = Object.keys(SIDE_TITLE) as DiffSide[];

export type Counts = { deleted: number; added: number; changed: number } | "counting";

/** One row of a side of the difference, with its key as the form sends it back (`token`). */
export interface DiffRowView {
  token: string;
  backup: unknown[] | null;
  now: unknown[] | null;
}

export interface DiffView {
  name: string;
  table: string;
  side: DiffSide;
  after: string | null;
  columns: string[];
  rows: DiffRowView[];
  next: string | null;
  /** Check boxes and "Put back selected rows": a super admin, on the deleted side. */
  canPutBack: boolean;
}

/**
 * The three sides with their counts, each a link; while the worker counts, "counting…", asked for
 * again every second (htmx replaces this part until the counts are known).
 */
export function DiffCounts(props: { name: string; table: string; side: DiffSide; counts: Counts }) {
  const { name, table, side, counts } = props;
  const polling =
    counts === "counting"
      ? {
          "hx-get": lookUrl(name, "counts", { table, side }),
          "hx-trigger": "every 1s",
          "hx-swap": "outerHTML",
        }
      : {};
  return (
    <nav id="diff-counts" class="look-sides" aria-label="Sides of the difference" {...polling}>
      {SIDES.map((s) => (
        <a
          class={s === side ? "button" : "button secondary"}
          href={lookUrl(name, "diff", { table, side: s })}
          aria-current={s === side ? "page" : undefined}
        >
          {SIDE_TITLE[s]}
          <span class="count">{counts === "counting" ? "counting…" : count(counts[s])}</span>
        </a>
      ))}
    </nav>
  );
}

/** A changed row: the backup's values above today's, the cells that differ marked. */
function ChangedRows(props: { row: DiffRowView }) {
  const { backup, now } = props.row;
  const differs = (i: number) => backup?.[i] !== now?.[i];
  return (
    <>
      <tr class="then">
        <th scope="row">Backup</th>
        {(backup ?? []).map((v, i) => (
          <td class={differs(i) ? "differs" : undefined}>
            <Value value={v} />
          </td>
        ))}
      </tr>
      <tr class="now">
        <th scope="row">Now</th>
        {(now ?? []).map((v, i) => (
          <td class={differs(i) ? "differs" : undefined}>
            <Value value={v} />
          </td>
        ))}
      </tr>
    </>
  );
}

function DiffTable(props: { view: DiffView }) {
  const v = props.view;
  if (v.side === "changed")
    return (
      <RowsTable
        label={`${SIDE_TITLE.changed} in ${v.table}`}
        columns={v.columns}
        head={<th scope="col">Values</th>}
        rows={v.rows.map((row) => <ChangedRows row={row} />)}
      />
    );
  return (
    <RowsTable
      label={`${SIDE_TITLE[v.side]} in ${v.table}`}
      columns={v.columns}
      head={
        v.canPutBack ? (
          <th scope="col">
            <span class="visually-hidden">Put back</span>
          </th>
        ) : undefined
      }
      rows={v.rows.map((row, i) => (
        <tr>
          {v.canPutBack ? (
            <td class="pick">
              <input type="checkbox" name="key" value={row.token} aria-label={`Put back row ${i + 1}`} />
            </td>
          ) : null}
          {((v.side === "deleted" ? row.backup : row.now) ?? []).map((value) => (
            <td>
              <Value value={value} />
            </td>
          ))}
        </tr>
      ))}
    />
  );
}

/** One page of one side and the way on: what htmx swaps for the next page. */
export function DiffSection(props: { view: DiffView; viewer: Viewer }) {
  const v = props.view;
  const here = (after: string | null) => lookUrl(v.name, "diff", { table: v.table, side: v.side, after });
  const paging = <Paging here={here} after={v.after} next={v.next} target="#look-diff" />;
  if (v.rows.length === 0)
    return (
      <div id="look-diff">
        <p class="muted">{v.after ? "No more rows on this side." : "No rows on this side."}</p>
        {paging}
      </div>
    );
  if (!v.canPutBack)
    return (
      <div id="look-diff">
        <DiffTable view={v} />
        {paging}
      </div>
    );
  return (
    <div id="look-diff">
      <form method="post" action={lookUrl(v.name, "put-back")} class="put-back-form">
        <CsrfField viewer={props.viewer} />
        <input type="hidden" name="table" value={v.table} />
        <DiffTable view={v} />
        <div class="form-row">
          <button type="submit">Put back selected rows</button>
          <span class="muted small"> You are asked first; rows that exist now are never overwritten.</span>
        </div>
      </form>
      {paging}
    </div>
  );
}

/** How a table differs now from the backup, by primary key: one side at a time, paged, with counts. */
export function LookDiffPage(
  props: PageProps & {
    view: DiffView;
    counts: Counts;
    message?: { kind: "ok" | "error"; text: string } | null;
  },
) {
  const v = props.view;
  return (
    <Page
      title={`${v.table} since ${v.name}`}
      current="/backup/status"
      viewer={props.viewer}
      assets={props.assets}
    >
      <LookTrail name={v.name} table={v.table} />
      <h1>What changed in {v.table} since the backup</h1>
      {props.message ? <Notice kind={props.message.kind}>{props.message.text}</Notice> : null}
      <section class="panel" aria-labelledby="diff-heading">
        <h2 id="diff-heading" class="visually-hidden">
          {SIDE_TITLE[v.side]}
        </h2>
        <DiffCounts name={v.name} table={v.table} side={v.side} counts={props.counts} />
        <p class="form-row look-csv">
          <a
            class="button secondary"
            href={lookUrl(v.name, "csv", { table: v.table, side: v.side })}
            download
          >
            Download CSV of “{SIDE_TITLE[v.side]}”
          </a>
        </p>
        <DiffSection view={v} viewer={props.viewer} />
      </section>
    </Page>
  );
}
