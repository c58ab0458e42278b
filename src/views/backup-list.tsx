/** @jsxImportSource hono/jsx */
import type { ManifestRecord } from "../backup/manifest.ts";
import { formatBytes } from "../lib/format.ts";
import { KIND_LABEL, showTime } from "./format.ts";
import type { Viewer } from "./layout.tsx";
import { deleteQuestion, EMERGENCY_RESTORE_TEXT, restoreQuestion } from "./questions.ts";

const HEALTH_LABEL = { verified: "Verified", damaged: "Damaged", unchecked: "Not checked" } as const;

/** A file name that may wrap after its underscores (long names stay readable in narrow columns). */
function breakable(name: string) {
  return name.split("_").map((part, i, all) => (i < all.length - 1 ? [`${part}_`, <wbr />] : part));
}

/** Links that work without JavaScript (a confirmation page); htmx posts them in place after a dialog. */
function RowActions(props: { record: ManifestRecord }) {
  const { record: r } = props;
  const name = encodeURIComponent(r.name);
  return (
    <td class="actions">
      {r.health !== "damaged" ? (
        <a
          class="button"
          href={`/backup/confirm?action=restore&name=${name}`}
          hx-post="/backup/restore"
          hx-vals={JSON.stringify({ name: r.name })}
          hx-confirm={restoreQuestion(r)}
        >
          Restore
        </a>
      ) : null}
      <a class="button secondary" href={`/api/backups/${name}/download`} download={r.name}>
        Download
      </a>
      <a
        class="button danger"
        href={`/backup/confirm?action=delete&name=${name}`}
        hx-post="/backup/delete"
        hx-vals={JSON.stringify({ name: r.name })}
        hx-confirm={deleteQuestion(r)}
      >
        Delete
      </a>
    </td>
  );
}

function BackupRow(props: { record: ManifestRecord; actions: boolean }) {
  const { record: r } = props;
  return (
    <tr>
      <td class="name">
        <code>{breakable(r.name)}</code>
        {r.description ? <span class="description">{r.description}</span> : null}
        {r.health === "damaged" && r.reason ? <span class="reason">{r.reason}</span> : null}
      </td>
      <td>{KIND_LABEL[r.kind] ?? r.kind}</td>
      <td class="when">
        {showTime(r.createdAt)}
        <span class="by">by {r.createdBy ?? (r.kind === "startup" ? "startup" : "unknown")}</span>
      </td>
      <td class="size">{formatBytes(r.size)}</td>
      <td>
        <span class={`health health-${r.health}`} title={r.reason ?? ""}>
          {HEALTH_LABEL[r.health]}
        </span>
      </td>
      {props.actions ? <RowActions record={r} /> : null}
    </tr>
  );
}

function EmergencyRestoreForm() {
  return (
    <form
      method="get"
      action="/backup/confirm"
      hx-post="/backup/emergency-restore"
      hx-confirm={`Emergency restore: ${EMERGENCY_RESTORE_TEXT} Continue?`}
      hx-target="#backup-area"
      hx-swap="outerHTML"
      class="emergency"
    >
      <input type="hidden" name="action" value="emergency-restore" />
      <button type="submit" class="danger">
        Emergency Restore
      </button>
    </form>
  );
}

/** The backups, newest first; restore, download, delete and the emergency restore for super admins. */
export function BackupList(props: { viewer: Viewer; records: ManifestRecord[] }) {
  const actions = props.viewer.role === "super_admin";
  return (
    <section class="panel" aria-labelledby="list-heading">
      <div class="list-header">
        <h2 id="list-heading">Backups, newest first</h2>
        {actions ? <EmergencyRestoreForm /> : null}
      </div>
      {props.records.length === 0 ? (
        <p class="muted">No backups yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="backup-list" hx-target:inherited="#backup-area" hx-swap:inherited="outerHTML">
            <thead>
              <tr>
                <th scope="col">Name and description</th>
                <th scope="col">Kind</th>
                <th scope="col">Created, by</th>
                <th scope="col">Size</th>
                <th scope="col">Health</th>
                {actions ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {props.records.map((record) => (
                <BackupRow record={record} actions={actions} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
