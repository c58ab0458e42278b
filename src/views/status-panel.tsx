/** @jsxImportSource hono/jsx */
import { formatBytes } from "../lib/format.ts";
import { ActionForm } from "./action-form.tsx";
import type { AppStatus } from "./app-status.ts";
import { showTime } from "./format.ts";
import type { Viewer } from "./layout.tsx";

function healthText(status: AppStatus): { text: string; ok: boolean } {
  if (status.recoveryMode) return { text: "Cannot be used: the app is in recovery mode", ok: false };
  const h = status.health;
  if (!h) return { text: "Not checked yet", ok: true };
  const how = h.full ? "full check" : "quick check";
  return h.ok ? { text: `Healthy (${how})`, ok: true } : { text: `Damaged: ${h.reason} (${how})`, ok: false };
}

function SchedulerFacts(props: { viewer: Viewer; status: AppStatus }) {
  const { scheduler } = props.status;
  return (
    <dd>
      <span class={scheduler.active ? "status-ok" : "status-bad"}>
        {scheduler.active ? "Active" : scheduler.paused ? "Paused" : "Inactive"}
      </span>{" "}
      {scheduler.cadence}
      {scheduler.nextRun ? `, next at ${showTime(scheduler.nextRun)}` : ""}
      {scheduler.retryAt ? `; the last one failed and is tried again at ${showTime(scheduler.retryAt)}` : ""}
      {props.viewer.role === "super_admin" && (scheduler.active || scheduler.paused) ? (
        <ActionForm
          viewer={props.viewer}
          action="/backup/scheduler"
          fields={{ action: scheduler.paused ? "resume" : "pause" }}
        >
          <button type="submit" class="secondary small">
            {scheduler.paused ? "Resume" : "Pause"}
          </button>
        </ActionForm>
      ) : null}
    </dd>
  );
}

/** The facts of the backup status page: counts, schedule, health, latest backup, folder, space, last error. */
export function StatusPanel(props: { viewer: Viewer; status: AppStatus }) {
  const { status, viewer } = props;
  const health = healthText(status);
  return (
    <section class="panel" aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <dl class="facts">
        <dt>Backups</dt>
        <dd>
          {status.backups.count} ({formatBytes(status.backups.totalBytes)} in all)
        </dd>
        <dt>Automatic backups</dt>
        <SchedulerFacts viewer={viewer} status={status} />
        <dt>Database health</dt>
        <dd>
          <span class={health.ok ? "status-ok" : "status-bad"}>{health.text}</span>
          {status.health ? `, checked ${showTime(status.health.checkedAt)}` : ""}
          <ActionForm viewer={viewer} action="/backup/check">
            <button type="submit" class="secondary small">
              Check now
            </button>
          </ActionForm>
        </dd>
        <dt>Latest backup</dt>
        <dd>
          {status.backups.latest
            ? `${showTime(status.backups.latest.createdAt)} (${status.backups.latest.name})`
            : "none yet"}
        </dd>
        <dt>Backup folder</dt>
        <dd>
          <code>{status.folder}</code>
        </dd>
        <dt>Free disk space</dt>
        <dd>{status.freeBytes === null ? "unknown" : formatBytes(status.freeBytes)}</dd>
        <dt>Last error</dt>
        <dd>{status.lastError ? `${showTime(status.lastError.at)}: ${status.lastError.message}` : "none"}</dd>
      </dl>
    </section>
  );
}

/** The running backup or restore, with the bytes written so far. */
export function Progress(props: { status: AppStatus }) {
  const op = props.status.operation;
  if (!op) return null;
  const what = op.action === "restore" ? `Restoring from ${op.name}` : `Creating ${op.name}`;
  const percent =
    op.bytesExpected > 0 ? Math.min(100, Math.round((op.bytesWritten / op.bytesExpected) * 100)) : 0;
  return (
    <div class="progress" role="status">
      <label for="operation-progress">
        {what}: {formatBytes(op.bytesWritten)} of about {formatBytes(op.bytesExpected)}
      </label>
      <progress id="operation-progress" max="100" value={String(percent)}>
        {percent}%
      </progress>
    </div>
  );
}
