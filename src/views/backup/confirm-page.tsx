/** @jsxImportSource hono/jsx */

import { deleteQuestion, pointSentences } from "../../app/restore/questions.ts";
import type { ManifestRecord, PointInTime, RestorePreview } from "../../backup/index.ts";
import { CsrfField, Page, type PageProps } from "../layout/layout.tsx";
import { backupTitle } from "../layout/words.ts";
import { RestoreQuestion } from "./restore-question.tsx";

export type ConfirmAction = "restore" | "delete" | "emergency-restore";

const TITLE: Record<ConfirmAction | "point-in-time", string> = {
  restore: "Restore a backup",
  delete: "Delete a backup",
  "emergency-restore": "Emergency restore",
  "point-in-time": "Undo to a point in time",
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
      | { action: "point-in-time"; preview: RestorePreview; point: PointInTime }
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
      ) : props.action === "point-in-time" ? (
        <RestoreQuestion
          preview={props.preview}
          emergency={false}
          action="/backup/point-in-time"
          fields={{ at: new Date(props.point.at).toISOString() }}
          csrf={<CsrfField viewer={viewer} />}
          cancel="/backup/status"
          own={{ title: "The database as it was", sentences: pointSentences(props.point) }}
        />
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
