/** @jsxImportSource hono/jsx */
import type { LookSummary, LookTable } from "../../backup/index.ts";
import { Page, type PageProps } from "../layout/layout.tsx";
import { Time } from "../layout/when.tsx";
import { count, LookTrail, lookUrl } from "./look-parts.tsx";

/**
 * The rows now less the rows in the backup, as "+5", "−3" or "as many" (rows may still have been
 * deleted and others added: the difference view tells); "" when either is unknown.
 */
function difference(t: LookTable): string {
  if (t.backupRows === null || t.nowRows === null) return "";
  const d = t.nowRows - t.backupRows;
  if (d === 0) return "as many";
  return `${d > 0 ? "+" : "−"}${Math.abs(d).toLocaleString("en-US")}`;
}

/** What a table's row offers: its rows and its difference, or why not. */
function TableActions(props: { name: string; table: LookTable }) {
  const { name, table: t } = props;
  if (t.appTable) return <span class="muted small">The app's own table: counts only</span>;
  return (
    <div class="look-actions">
      <a class="button secondary" href={lookUrl(name, "rows", { table: t.name })}>
        Rows
      </a>
      {t.key ? (
        <a class="button secondary" href={lookUrl(name, "diff", { table: t.name, side: "deleted" })}>
          Difference
        </a>
      ) : (
        <span
          class="muted small"
          title="Without a primary key a row of the backup cannot be matched with one now."
        >
          No key to compare by
        </span>
      )}
    </div>
  );
}

/**
 * Inside one backup: each table with its rows in the backup and now and the difference, and the
 * way to its rows and to what changed since.
 */
export function LookPage(props: PageProps & { summary: LookSummary }) {
  const { summary: s } = props;
  return (
    <Page title={`Inside ${s.name}`} current="/backup/status" viewer={props.viewer} assets={props.assets}>
      <LookTrail name={s.name} />
      <h1>Inside the backup</h1>
      <p>
        <span class="file">{s.name}</span> holds the data as it was{" "}
        <Time at={s.dataAt} now={props.now} as="exact" />. Looking changes nothing: neither the backup nor
        today's data.
      </p>
      {s.nowUnknown ? <p class="notice notice-error">Rows now are not known: {s.nowUnknown}</p> : null}
      <section class="panel list-panel" aria-labelledby="tables-heading">
        <h2 id="tables-heading">Tables</h2>
        <table class="stack-table look-tables">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" class="number">
                In the backup
              </th>
              <th scope="col" class="number">
                Now
              </th>
              <th scope="col" class="number">
                Rows +/−
              </th>
              <th scope="col">
                <span class="visually-hidden">Look at</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {s.tables.map((t) => (
              <tr>
                <td data-label="Table" class="table-name">
                  {t.name}
                </td>
                <td data-label="In the backup" class="number">
                  {count(t.backupRows)}
                </td>
                <td data-label="Now" class="number">
                  {count(t.nowRows)}
                </td>
                <td data-label="Rows +/−" class="number">
                  {difference(t)}
                </td>
                <td>
                  <TableActions name={s.name} table={t} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Page>
  );
}
