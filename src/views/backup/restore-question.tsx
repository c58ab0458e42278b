/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { rowCount as count, restoreSentences } from "../../app/restore/questions.ts";
import type { RestorePreview } from "../../backup/index.ts";

/**
 * The question before a restore, as a panel: which backup, its data time, what is lost, the rows
 * of each table now and after, and the form that confirms it (posting `fields`, which name the
 * backup: an emergency restore posts the one it named as `expected`).
 */
export function RestoreQuestion(props: {
  preview: RestorePreview;
  emergency: boolean;
  action: string;
  fields: Record<string, string>;
  /** The form's CSRF field, where the page has a session. */
  csrf?: Child;
  cancel: string;
  /** A question of its own (a point in time): its title and sentences instead of a backup's. */
  own?: { title: string; sentences: string[] };
}) {
  const { preview } = props;
  const sentences = props.own?.sentences ?? restoreSentences(preview, { emergency: props.emergency });
  return (
    <section class="panel restore-question">
      <h2 class="title">
        {props.own
          ? props.own.title
          : `${props.emergency ? "Emergency Restore: " : "Restore "}${preview.name}`}
      </h2>
      {sentences.map((line) => (
        <p class="confirm-text">{line}</p>
      ))}
      {preview.tables.length > 0 ? (
        <table class="row-changes">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">Rows now</th>
              <th scope="col">Rows after</th>
            </tr>
          </thead>
          <tbody>
            {preview.tables.map((t) => (
              <tr class={t.now !== null && t.after !== null && t.after < t.now ? "fewer" : undefined}>
                <th scope="row">{t.name}</th>
                <td>{count(t.now)}</td>
                <td>{count(t.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form method="post" action={props.action} class="confirm-buttons">
        {props.csrf}
        {Object.entries(props.fields).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <button type="submit" class="danger">
          {props.own ? "Yes, put this moment back" : "Yes, restore this backup"}
        </button>
        <a class="button secondary" href={props.cancel}>
          Cancel
        </a>
      </form>
    </section>
  );
}
