/** @jsxImportSource hono/jsx */
import { MAX_DESCRIPTION_LENGTH } from "../backup/names.ts";
import { ActionForm } from "./action-form.tsx";
import { BackupArea, type BackupAreaProps } from "./backup-area.tsx";
import type { AssetUrls } from "./document.tsx";
import { Page, type Viewer } from "./layout.tsx";

function CreateForm(props: { viewer: Viewer }) {
  return (
    <section class="panel" aria-labelledby="create-heading">
      <h2 id="create-heading">Create a backup</h2>
      <ActionForm viewer={props.viewer} action="/backup/create">
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
    </section>
  );
}

function UploadForm(props: { viewer: Viewer }) {
  return (
    <section class="panel" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload a backup</h2>
      <p class="muted small">
        A backup file from an external drive. It is checked fully before it appears in the list.
      </p>
      <ActionForm viewer={props.viewer} action="/backup/upload" multipart>
        <label for="upload-description">Description (optional)</label>
        <input
          id="upload-description"
          name="description"
          type="text"
          placeholder="e.g. Copy from the USB stick"
        />
        <label for="upload-file">Backup file</label>
        <input id="upload-file" name="file" type="file" accept=".db,.sqlite,.sqlite3" required />
        <div class="form-row">
          <button type="submit" class="secondary">
            Upload
          </button>
        </div>
      </ActionForm>
    </section>
  );
}

/** The Database Backup page: create and upload forms above the part htmx swaps. */
export function BackupPage(props: BackupAreaProps & { assets: AssetUrls }) {
  return (
    <Page title="Database Backup" current="/backup/status" viewer={props.viewer} assets={props.assets}>
      <h1>Database Backup</h1>
      <CreateForm viewer={props.viewer} />
      {props.viewer.role === "super_admin" ? <UploadForm viewer={props.viewer} /> : null}
      <BackupArea {...props} />
    </Page>
  );
}
