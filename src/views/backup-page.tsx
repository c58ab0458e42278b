/** @jsxImportSource hono/jsx */
import type { AuditEntry } from "../auth/audit.ts";
import type { ManifestRecord } from "../backup/manifest.ts";
import { MAX_DESCRIPTION_LENGTH } from "../backup/names.ts";
import { formatBytes } from "../lib/format.ts";
import type { AppStatus } from "../web/status.ts";
import { KIND_LABEL, showTime } from "./format.ts";
import { CsrfField, Notice, Page, type Viewer } from "./layout.tsx";
import { SizeChart } from "./size-chart.tsx";

export interface Message {
  kind: "ok" | "error";
  text: string;
}

export interface BackupAreaProps {
  viewer: Viewer;
  status: AppStatus;
  records: ManifestRecord[];
  message: Message | null;
  logLines: string[] | null;
  audit: AuditEntry[] | null;
  /** An action of this viewer is still running: keep refreshing until its result is shown. */
  waiting: boolean;
}

const isSuper = (v: Viewer) => v.role === "super_admin";

/** One-time links in the log are secrets until used: the page shows them without their token. */
const hideTokens = (line: string) => line.replace(/token=[A-Za-z0-9_-]+/g, "token=…");

function healthText(status: AppStatus): { text: string; ok: boolean } {
  if (status.recoveryMode) return { text: "Cannot be used: the app is in recovery mode", ok: false };
  const h = status.health;
  if (!h) return { text: "Not checked yet", ok: true };
  const how = h.full ? "full check" : "quick check";
  return h.ok ? { text: `Healthy (${how})`, ok: true } : { text: `Damaged: ${h.reason} (${how})`, ok: false };
}

/** A form that posts in place with htmx and still works as a plain post without JavaScript. */
function ActionForm(props: {
  viewer: Viewer;
  action: string;
  fields?: Record<string, string>;
  /** For a file upload. */
  multipart?: boolean;
  children: unknown;
}) {
  const encoding = props.multipart
    ? ({ enctype: "multipart/form-data", "hx-encoding": "multipart/form-data" } as const)
    : {};
  return (
    <form
      method="post"
      action={props.action}
      hx-post={props.action}
      hx-target="#backup-area"
      hx-swap="outerHTML"
      {...encoding}
    >
      <CsrfField viewer={props.viewer} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      {props.children}
    </form>
  );
}

function StatusPanel(props: { viewer: Viewer; status: AppStatus }) {
  const { status, viewer } = props;
  const scheduler = status.scheduler;
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
        <dd>
          <span class={scheduler.active ? "status-ok" : "status-bad"}>
            {scheduler.active ? "Active" : scheduler.paused ? "Paused" : "Inactive"}
          </span>{" "}
          {scheduler.cadence}
          {scheduler.nextRun ? `, next at ${showTime(scheduler.nextRun)}` : ""}
          {scheduler.retryAt
            ? `; the last one failed and is tried again at ${showTime(scheduler.retryAt)}`
            : ""}
          {isSuper(viewer) && (scheduler.active || scheduler.paused) ? (
            <ActionForm
              viewer={viewer}
              action="/backup/scheduler"
              fields={{ action: scheduler.paused ? "resume" : "pause" }}
            >
              <button type="submit" class="secondary small">
                {scheduler.paused ? "Resume" : "Pause"}
              </button>
            </ActionForm>
          ) : null}
        </dd>
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

function Progress(props: { status: AppStatus }) {
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

function restoreQuestion(r: ManifestRecord): string {
  return (
    `Restore ${r.name}, made ${showTime(r.createdAt)} (${formatBytes(r.size)})?\n\n` +
    "First a safety backup of the current database is taken. Then the database is replaced by this backup: " +
    `everything changed after ${showTime(r.createdAt)} will only be in the safety backup. Everyone is signed out.`
  );
}

/** A file name that may wrap after its underscores (long names stay readable in narrow columns). */
function breakable(name: string) {
  return name.split("_").map((part, i, all) => (i < all.length - 1 ? [`${part}_`, <wbr />] : part));
}

function BackupRow(props: { viewer: Viewer; record: ManifestRecord }) {
  const { record: r, viewer } = props;
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
          {r.health === "verified" ? "Verified" : r.health === "damaged" ? "Damaged" : "Not checked"}
        </span>
      </td>
      {isSuper(viewer) ? (
        <td class="actions">
          {/* Links that work without JavaScript (a confirmation page); htmx posts them in place. */}
          {r.health !== "damaged" ? (
            <a
              class="button"
              href={`/backup/confirm?action=restore&name=${encodeURIComponent(r.name)}`}
              hx-post="/backup/restore"
              hx-vals={JSON.stringify({ name: r.name })}
              hx-confirm={restoreQuestion(r)}
            >
              Restore
            </a>
          ) : null}
          <a
            class="button secondary"
            href={`/api/backups/${encodeURIComponent(r.name)}/download`}
            download={r.name}
          >
            Download
          </a>
          <a
            class="button danger"
            href={`/backup/confirm?action=delete&name=${encodeURIComponent(r.name)}`}
            hx-post="/backup/delete"
            hx-vals={JSON.stringify({ name: r.name })}
            hx-confirm={`Delete ${r.name}, made ${showTime(r.createdAt)}? The file is removed for good.`}
          >
            Delete
          </a>
        </td>
      ) : null}
    </tr>
  );
}

/** The part of the page that htmx swaps: status, progress, the list, the chart and the newest log lines. */
export function BackupArea(props: BackupAreaProps) {
  const { viewer, status, records } = props;
  const polling =
    status.operation || props.waiting
      ? { "hx-get": "/backup/list", "hx-trigger": "every 2s", "hx-swap": "outerHTML" }
      : {};
  return (
    <div id="backup-area" {...polling}>
      {props.message ? <Notice kind={props.message.kind}>{props.message.text}</Notice> : null}
      <Progress status={status} />
      <StatusPanel viewer={viewer} status={status} />
      <section class="panel" aria-labelledby="list-heading">
        <div class="list-header">
          <h2 id="list-heading">Backups, newest first</h2>
          {isSuper(viewer) ? (
            <form
              method="get"
              action="/backup/confirm"
              hx-post="/backup/emergency-restore"
              hx-confirm={
                "Emergency restore: the newest backup that passes the full check replaces the database. " +
                "First a safety backup of the current database is taken. Everyone is signed out. Continue?"
              }
              hx-target="#backup-area"
              hx-swap="outerHTML"
              class="emergency"
            >
              <input type="hidden" name="action" value="emergency-restore" />
              <button type="submit" class="danger">
                Emergency Restore
              </button>
            </form>
          ) : null}
        </div>
        {records.length === 0 ? (
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
                  {isSuper(viewer) ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {records.map((record) => (
                  <BackupRow viewer={viewer} record={record} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="panel" aria-labelledby="chart-heading">
        <h2 id="chart-heading">Backup sizes over time</h2>
        <SizeChart records={records} />
      </section>
      {props.logLines ? (
        <section class="panel" aria-labelledby="log-heading">
          <h2 id="log-heading">Newest lines of backup.log</h2>
          <pre class="log">{props.logLines.map(hideTokens).join("\n")}</pre>
        </section>
      ) : null}
      {props.audit ? (
        <section class="panel" aria-labelledby="audit-heading">
          <h2 id="audit-heading">Newest audit trail entries</h2>
          <ul class="audit">
            {props.audit.map((e) => (
              <li>
                {showTime(e.at)} · {e.username ?? "—"} · {e.action}
                {e.target ? ` · ${e.target}` : ""} · {e.outcome}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

export function BackupPage(props: BackupAreaProps) {
  return (
    <Page title="Database Backup" current="/backup/status" viewer={props.viewer}>
      <h1>Database Backup</h1>
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
      {isSuper(props.viewer) ? (
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
      ) : null}
      <BackupArea {...props} />
    </Page>
  );
}

/** The page a browser without JavaScript shows before a restore, an emergency restore or a delete. */
export function ConfirmPage(props: {
  viewer: Viewer;
  action: "restore" | "delete" | "emergency-restore";
  record: ManifestRecord | null;
}) {
  const { viewer, action, record } = props;
  const title =
    action === "delete" ? "Delete a backup" : action === "restore" ? "Restore a backup" : "Emergency restore";
  const text =
    action === "emergency-restore"
      ? "The newest backup that passes the full check replaces the database. First a safety backup of the current database is taken. Everyone is signed out."
      : action === "restore" && record
        ? restoreQuestion(record)
        : `Delete ${record?.name}, made ${showTime(record?.createdAt)}? The file is removed for good.`;
  return (
    <Page title={title} current="/backup/status" viewer={viewer}>
      <h1>{title}</h1>
      <section class="panel">
        <p class="confirm-text">{text}</p>
        <form method="post" action={`/backup/${action}`}>
          <CsrfField viewer={viewer} />
          {record ? <input type="hidden" name="name" value={record.name} /> : null}
          <button type="submit" class={action === "delete" ? "danger" : ""}>
            {action === "delete" ? "Yes, delete it" : "Yes, restore"}
          </button>{" "}
          <a href="/backup/status">Cancel</a>
        </form>
      </section>
    </Page>
  );
}
