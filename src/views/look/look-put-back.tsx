/** @jsxImportSource hono/jsx */
import { CsrfField, Notice, Page, type PageProps } from "../layout/layout.tsx";
import { LookTrail, lookUrl } from "./look-parts.tsx";

/**
 * The question before rows go back: how many, of which table, from which backup; the form carries
 * the chosen keys on. After a refusal the same page says why, and nothing was changed.
 */
export function PutBackPage(
  props: PageProps & {
    name: string;
    table: string;
    /** The chosen rows' keys, as the form sends them. */
    tokens: string[];
    /** The keys as a person reads them, the first few. */
    shown: string[];
    refusal?: string | null;
  },
) {
  const { name, table, tokens } = props;
  const back = lookUrl(name, "diff", { table, side: "deleted" });
  const rows = tokens.length === 1 ? "1 row" : `${tokens.length.toLocaleString("en-US")} rows`;
  const more = tokens.length - props.shown.length;
  return (
    <Page title="Put rows back" current="/backup/status" viewer={props.viewer} assets={props.assets}>
      <LookTrail name={name} table={table} />
      <h1>Put rows back</h1>
      {props.refusal ? <Notice kind="error">{props.refusal}</Notice> : null}
      <section class="panel">
        <p class="confirm-text">
          Put back {rows} of {table} as they were in the backup <span class="file">{name}</span>?{"\n"}
          They are added to today's data; nothing else changes. A row whose key exists now is never
          overwritten, and if any chosen row cannot go back, none is put back.
        </p>
        <p class="small">
          Keys: {props.shown.join(", ")}
          {more > 0 ? ` and ${more.toLocaleString("en-US")} more` : ""}
        </p>
        <form method="post" action={lookUrl(name, "put-back")} class="confirm-buttons">
          <CsrfField viewer={props.viewer} />
          <input type="hidden" name="table" value={table} />
          <input type="hidden" name="confirmed" value="yes" />
          {tokens.map((t) => (
            <input type="hidden" name="key" value={t} />
          ))}
          {props.refusal ? null : <button type="submit">Yes, put them back</button>}
          <a class="button secondary" href={back}>
            {props.refusal ? "Back to the difference" : "Cancel"}
          </a>
        </form>
      </section>
    </Page>
  );
}
