/** @jsxImportSource hono/jsx */

import { deleteQuestion } from "../app/questions.ts";
import type { ManifestRecord, RestorePreview } from "../backup/index.ts";
import { CsrfField, Page, type PageProps } from "./layout.tsx";
import { RestoreQuestion } from "./restore-question.tsx";
import { backupTitle } from "./words.ts";

export type ConfirmAction = "restore" | "delete" | "emergency-restore";

const TITLE: Record<ConfirmAction, string> = {
  restore: "Restore a backup",
  delete: "Delete a backup",
  "emergency-restore": "Emergency restore",
};

/**
 * The question before a restore or an emergency restore (with what it changes, `preview`), or a
 * delete (`record`); a browser without JavaScript asks the delete here too.
 */
export function ConfirmPage(
  props: PageProps &
    (
      | { action: "delete"; record: ManifestRecord }
      | { action: "restore" | "emergency-restore"; preview: RestorePreview }
    ),
) {
  const { viewer } = props;
  const title = TITLE[props.action];
  return (
    <Page title={title} current="/backup/status" viewer={viewer} assets={props.assets}>
      <h1>{title}</h1>
      {props.action === "delete" ? (
        <section class="panel">
          <h2 class="title">{backupTitle(props.record)}</h2>
          <p class="confirm-text">{deleteQuestion(props.record)}</p>
          <form method="post" action="/backup/delete" class="confirm-buttons">
            <CsrfField viewer={viewer} />
            <input type="hidden" name="name" value={props.record.name} />
            <button type="submit" class="danger">
              Yes, delete it
            </button>
            <a class="button secondary" href="/backup/status">
              Cancel
            </a>
          </form>
        </section>
      ) : (
        <RestoreQuestion
          preview={props.preview}
          emergency={props.action === "emergency-restore"}
          action={`/backup/${props.action}`}
          fields={
            props.action === "restore" ? { name: props.preview.name } : { expected: props.preview.name }
          }
          csrf={<CsrfField viewer={viewer} />}
          cancel="/backup/status"
        />
      )}
    </Page>
  );
}
