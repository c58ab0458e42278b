/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import type { ManifestRecord } from "../backup/manifest.ts";
import { BackupTable } from "./backup-table.tsx";
import { ConfirmLink } from "./confirm-link.tsx";
import { type AssetUrls, Document } from "./document.tsx";
import { Notice } from "./layout.tsx";
import { EMERGENCY_RESTORE_TEXT, restoreQuestion } from "./questions.ts";
import { backupTitle } from "./words.ts";

interface RecoveryProps {
  assets: AssetUrls;
  token: string;
  reason: string;
}

/** `/recovery/confirm?…`: the confirmation page without JavaScript; `name` empty for the emergency restore. */
const confirmUrl = (token: string, name: string) =>
  `/recovery/confirm?token=${encodeURIComponent(token)}${name ? `&name=${encodeURIComponent(name)}` : ""}`;

/**
 * A restore from the recovery page, asked first like on the Database Backup page: with
 * JavaScript the browser's dialog, then htmx posts it; without, the link opens the confirmation page.
 */
function RestoreLink(props: {
  token: string;
  record: ManifestRecord | null;
  danger?: boolean;
  label: string;
}) {
  const { token, record } = props;
  return (
    <ConfirmLink
      href={confirmUrl(token, record?.name ?? "")}
      post="/recovery/restore"
      vals={{ token, name: record?.name ?? "" }}
      question={record ? restoreQuestion(record) : `Emergency restore: ${EMERGENCY_RESTORE_TEXT} Continue?`}
      icon="restore"
      label={props.label}
      {...(props.danger ? { tone: "danger" as const } : {})}
    />
  );
}

function RecoveryFrame(props: RecoveryProps & { title: string; children: Child }) {
  return (
    <Document title={props.title} assets={props.assets} htmx>
      {/* A failed restore answers with this page: htmx swaps its <main> in place of this one. */}
      <main
        class="recovery-page"
        id="recovery"
        hx-target:inherited="#recovery"
        hx-select:inherited="#recovery"
        hx-swap:inherited="outerHTML"
      >
        <h1>The database needs to be restored</h1>
        <Notice kind="error">The database cannot be used: {props.reason}.</Notice>
        {props.children}
      </main>
    </Document>
  );
}

/**
 * Recovery mode: the database with the users is the broken one, so this page needs no sign-in;
 * the one-time token of the printed link is its key.
 */
export function RecoveryPage(
  props: RecoveryProps & { records: ManifestRecord[]; now: Date; error?: string | null },
) {
  const usable = props.records.filter((r) => r.health !== "damaged");
  return (
    <RecoveryFrame {...props} title="Recovery">
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <p>
        Restore a backup to continue. The damaged database is first kept as a safety backup, in case it holds
        something to salvage. Afterwards everyone signs in with the users of the restored backup.
      </p>
      <section class="panel">
        <h2>Quickest: the newest good backup</h2>
        <p>Puts back the newest backup that passes the full check.</p>
        <RestoreLink token={props.token} record={null} danger label="Emergency Restore" />
      </section>
      <section class="panel list-panel">
        <h2>Or choose a backup</h2>
        {usable.length === 0 ? (
          <p>No usable backup was found in the backup folder.</p>
        ) : (
          <BackupTable
            records={usable}
            now={props.now}
            actions={(r) => <RestoreLink token={props.token} record={r} label="Restore this one" />}
          />
        )}
      </section>
    </RecoveryFrame>
  );
}

/** The question before a restore from the recovery page, for a browser without JavaScript. */
export function RecoveryConfirmPage(props: RecoveryProps & { record: ManifestRecord | null }) {
  const { record, token } = props;
  return (
    <RecoveryFrame {...props} title="Confirm the restore">
      <section class="panel">
        <h2 class="title">{record ? backupTitle(record) : "Emergency restore"}</h2>
        <p class="confirm-text">{record ? restoreQuestion(record) : EMERGENCY_RESTORE_TEXT}</p>
        <form method="post" action="/recovery/restore" class="confirm-buttons">
          <input type="hidden" name="token" value={token} />
          <input type="hidden" name="name" value={record?.name ?? ""} />
          <button type="submit" class="danger">
            Yes, restore
          </button>
          <a class="button secondary" href={`/recovery?token=${encodeURIComponent(token)}`}>
            Cancel
          </a>
        </form>
      </section>
    </RecoveryFrame>
  );
}
