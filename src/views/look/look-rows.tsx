/** @jsxImportSource hono/jsx */
import { Page, type PageProps } from "../layout/layout.tsx";
import { LookTrail, lookUrl, Paging, RowsTable, Value } from "./look-parts.tsx";

/** One page of a table's rows as the engine read them, and where the next page starts. */
export interface RowsView {
  name: string;
  table: string;
  search: string;
  /** Where this page started (null: the first page). */
  after: string | null;
  columns: string[];
  rows: unknown[][];
  next: string | null;
  /** False when a search stopped at its bound before the end of the table (`next` goes on). */
  complete: boolean;
}

/** The rows and the way on: what htmx swaps when the search changes or the next page is asked for. */
export function RowsSection(props: { view: RowsView }) {
  const v = props.view;
  const here = (after: string | null) => lookUrl(v.name, "rows", { table: v.table, search: v.search, after });
  const searching = v.search !== "";
  return (
    <div id="look-rows" class="look-rows">
      {v.rows.length === 0 ? (
        <p class="muted">
          {searching
            ? v.next
              ? "No match in the rows looked at so far."
              : `No row holds “${v.search}”.`
            : "No rows."}
        </p>
      ) : (
        <RowsTable
          label={`Rows of ${v.table}`}
          columns={v.columns}
          rows={v.rows.map((row) => (
            <tr>
              {row.map((value) => (
                <td>
                  <Value value={value} />
                </td>
              ))}
            </tr>
          ))}
        />
      )}
      <Paging
        here={here}
        after={v.after}
        next={v.next}
        target="#look-rows"
        nextLabel={searching && !v.complete ? "Search further" : "Next page"}
      >
        {searching && !v.complete ? (
          <span class="muted small">The search looks at part of the table at a time.</span>
        ) : null}
      </Paging>
    </div>
  );
}

/** A table of a backup, its rows page by page, with a search over every column. */
export function LookRowsPage(props: PageProps & { view: RowsView }) {
  const v = props.view;
  const action = lookUrl(v.name, "rows");
  return (
    <Page
      title={`${v.table} in ${v.name}`}
      current="/backup/status"
      viewer={props.viewer}
      assets={props.assets}
    >
      <LookTrail name={v.name} table={v.table} />
      <h1>Rows of {v.table} in the backup</h1>
      <section class="panel" aria-labelledby="rows-heading">
        <h2 id="rows-heading" class="visually-hidden">
          Rows
        </h2>
        <form
          method="get"
          action={action}
          class="look-search"
          hx-get={action}
          hx-trigger="submit, input delay:400ms"
          hx-target="#look-rows"
          hx-swap="outerHTML"
        >
          <input type="hidden" name="table" value={v.table} />
          <label for="look-search">Search every column</label>
          <input
            id="look-search"
            name="search"
            type="text"
            value={v.search}
            placeholder="e.g. a name or an e-mail"
          />
          <button type="submit" class="secondary">
            Search
          </button>
          <a class="button secondary" href={lookUrl(v.name, "csv", { table: v.table })} download>
            Download CSV
          </a>
        </form>
        <RowsSection view={v} />
      </section>
    </Page>
  );
}
