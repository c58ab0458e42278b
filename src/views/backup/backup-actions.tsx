/** @jsxImportSource hono/jsx */
import type { ContinuousStatus } from "../../backup/index.ts";
import { MAX_DESCRIPTION_LENGTH } from "../../backup/index.ts";
import { localInputTime } from "../../lib/time.ts";
import { ActionForm } from "../layout/action-form.tsx";
import type { Viewer } from "../layout/layout.tsx";
import { Time } from "../layout/when.tsx";

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

/**
 * Undo to a point in time (continuous protection): a date and time within the window, then the
 * question with what it brings back (`/backup/point-in-time`), which names the exact moment.
 */
function PointInTimeForm(props: { window: ContinuousStatus; now: Date }) {
  const { from, to } = props.window;
  if (!from || !to) return null;
  return (
    <details class="more" id="point-more" hx-preserve="true">
      <summary>Undo to a point in time</summary>
      <form method="get" action="/backup/point-in-time">
        <p class="muted small">
          Any moment from <Time at={from} now={props.now} as="exact" /> to{" "}
          <Time at={to} now={props.now} as="exact" /> can be put back, to the second.
        </p>
        <label for="point-at">Date and time</label>
        <input
          id="point-at"
          name="at"
          type="datetime-local"
          step="1"
          required
          min={localInputTime(new Date(from))}
          value={localInputTime(new Date(to))}
        />
        <div class="form-row">
          <button type="submit" class="secondary">
            Show what it brings back
          </button>
        </div>
      </form>
    </details>
  );
}

/**
 * What a person can do from the Database Backup page: make a backup; for super admins also
 * upload, undo to a point in time and emergency restore.
 */
export function BackupActions(props: { viewer: Viewer; continuous: ContinuousStatus | null; now: Date }) {
  const superAdmin = props.viewer.role === "super_admin";
  return (
    <section class="panel" aria-labelledby="create-heading">
      <h2 id="create-heading">Make a backup now</h2>
      <CreateForm viewer={props.viewer} />
      {superAdmin ? <UploadForm viewer={props.viewer} /> : null}
      {superAdmin && props.continuous ? <PointInTimeForm window={props.continuous} now={props.now} /> : null}
      {superAdmin ? <EmergencyRestoreForm /> : null}
    </section>
  );
}
