/** @jsxImportSource hono/jsx */
import type { ManifestRecord } from "../backup/manifest.ts";
import { CsrfField, Page, type PageProps } from "./layout.tsx";
import { deleteQuestion, EMERGENCY_RESTORE_TEXT, restoreQuestion } from "./questions.ts";
import { backupTitle } from "./words.ts";

export type ConfirmAction = "restore" | "delete" | "emergency-restore";

const TITLE: Record<ConfirmAction, string> = {
  restore: "Restore a backup",
  delete: "Delete a backup",
  "emergency-restore": "Emergency restore",
};

/** The page a browser without JavaScript shows before a restore, an emergency restore or a delete. */
export function ConfirmPage(props: PageProps & { action: ConfirmAction; record: ManifestRecord | null }) {
  const { viewer, action, record } = props;
  const title = TITLE[action];
  const text = !record
    ? EMERGENCY_RESTORE_TEXT
    : action === "restore"
      ? restoreQuestion(record)
      : deleteQuestion(record);
  return (
    <Page title={title} current="/backup/status" viewer={viewer} assets={props.assets}>
      <h1>{title}</h1>
      <section class="panel">
        {record ? <h2 class="title">{backupTitle(record)}</h2> : null}
        <p class="confirm-text">{text}</p>
        <form method="post" action={`/backup/${action}`} class="confirm-buttons">
          <CsrfField viewer={viewer} />
          {record ? <input type="hidden" name="name" value={record.name} /> : null}
          <button type="submit" class={action === "delete" ? "danger" : ""}>
            {action === "delete" ? "Yes, delete it" : "Yes, restore"}
          </button>
          <a class="button secondary" href="/backup/status">
            Cancel
          </a>
        </form>
      </section>
    </Page>
  );
}
