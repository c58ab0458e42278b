/** @jsxImportSource hono/jsx */
import { MAX_DESCRIPTION_LENGTH } from "../backup/index.ts";
import { ActionForm } from "./action-form.tsx";
import type { Viewer } from "./layout.tsx";

/**
 * The forms keep what a person typed or chose while the area around them refreshes
 * (`hx-preserve`); the description is cleared once a backup has started (app.js).
 */
function CreateForm(props: { viewer: Viewer }) {
  return (
    <ActionForm viewer={props.viewer} action="/backup/create" id="create-form" preserve>
      <label for="description">Description (optional)</label>
      <input
        id="description"
        name="description"
        type="text"
        data-max={String(MAX_DESCRIPTION_LENGTH)}
        placeholder="e.g. Before inventory update"
        data-count-into="description-count"
        aria-describedby="description-count"
      />
      <p class="muted small" id="description-count" aria-live="polite">
        0 of {MAX_DESCRIPTION_LENGTH} characters
      </p>
      <button type="submit">Create Backup</button>
    </ActionForm>
  );
}

function UploadForm(props: { viewer: Viewer }) {
  return (
    <details class="more" id="upload-more" hx-preserve="true">
      <summary>Add a backup file, e.g. from a USB stick</summary>
      <ActionForm viewer={props.viewer} action="/backup/upload" multipart>
        <p class="muted small">It is checked fully before it appears in the list.</p>
        <label for="upload-file">Backup file</label>
        <input id="upload-file" name="file" type="file" accept=".db,.sqlite,.sqlite3" required />
        <label for="upload-description">Description (optional)</label>
        <input
          id="upload-description"
          name="description"
          type="text"
          placeholder="e.g. Copy from the USB stick"
        />
        <div class="form-row">
          <button type="submit" class="secondary">
            Upload
          </button>
        </div>
      </ActionForm>
    </details>
  );
}

/** Emergency Restore: first the question, which names the backup it will put back and what changes. */
function EmergencyRestoreForm() {
  return (
    <form method="get" action="/backup/confirm" class="emergency">
      <input type="hidden" name="action" value="emergency-restore" />
      <p class="muted small">If the data is broken: put back the newest backup that passes the full check.</p>
      <button type="submit" class="danger">
        Emergency Restore
      </button>
    </form>
  );
}

/** What a person can do from the Database Backup page: make a backup; for super admins also upload and emergency restore. */
export function BackupActions(props: { viewer: Viewer }) {
  const superAdmin = props.viewer.role === "super_admin";
  return (
    <section class="panel" aria-labelledby="create-heading">
      <h2 id="create-heading">Make a backup now</h2>
      <CreateForm viewer={props.viewer} />
      {superAdmin ? <UploadForm viewer={props.viewer} /> : null}
      {superAdmin ? <EmergencyRestoreForm /> : null}
    </section>
  );
}
