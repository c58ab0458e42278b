/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";

/** The parts of a look inside a backup: its pages' addresses, and what each of them shows. */
export type LookPart = "rows" | "diff" | "counts" | "csv" | "put-back";

/** The address of a look inside the backup `name` (its summary without `part`); empty parameters are left out. */
export function lookUrl(
  name: string,
  part?: LookPart,
  params: Record<string, string | null | undefined> = {},
) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const path = `/backup/look/${encodeURIComponent(name)}${part ? `/${part}` : ""}`;
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** Where the page is: the backup list, the backup, and the table looked at. */
export function LookTrail(props: { name: string; table?: string }) {
  return (
    <nav class="look-trail small" aria-label="Where you are">
      <a href="/backup/status">Database Backup</a> › <a href={lookUrl(props.name)}>{props.name}</a>
      {props.table ? <> › {props.table}</> : null}
    </nav>
  );
}

/** One value as the engine gives it for a page: NULL said as such, text as it is (already cut). */
export function Value(props: { value: unknown }) {
  const { value } = props;
  if (value === null || value === undefined) return <span class="null">NULL</span>;
  return <span class="value">{String(value)}</span>;
}

/**
 * A table of rows with as many columns as the shop's table has: it scrolls sideways inside its own
 * box (focusable, so a keyboard can scroll it too) and never makes the page wider.
 */
export function RowsTable(props: { columns: string[]; head?: Child; rows: Child[]; label: string }) {
  return (
    // Focusable: a box that scrolls must be reachable by keyboard.
    <section class="table-scroll" tabindex={0} aria-label={props.label}>
      <table class="rows-table">
        <thead>
          <tr>
            {props.head ?? null}
            {props.columns.map((c) => (
              <th scope="col">{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.rows}</tbody>
      </table>
    </section>
  );
}

/**
 * First page and Next page of a paged part (`target`, which htmx swaps): `here(after)` is the
 * address of the page that starts after `after` (null: the first).
 */
export function Paging(props: {
  here: (after: string | null) => string;
  after: string | null;
  next: string | null;
  target: string;
  nextLabel?: string;
  children?: Child;
}) {
  const { here } = props;
  const swap = { "hx-target": props.target, "hx-swap": "outerHTML" };
  return (
    <div class="look-paging">
      {props.after ? (
        <a class="button secondary" href={here(null)} hx-get={here(null)} {...swap}>
          First page
        </a>
      ) : null}
      {props.next ? (
        <a class="button secondary" href={here(props.next)} hx-get={here(props.next)} {...swap}>
          {props.nextLabel ?? "Next page"}
        </a>
      ) : null}
      {props.children ?? null}
    </div>
  );
}

/** A count of rows, grouped by thousands as the pages show numbers; "unknown" for null. */
export function count(n: number | null | undefined): string {
  return typeof n === "number" ? n.toLocaleString("en-US") : "unknown";
}
