/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import type { ManifestRecord, RestorePreview } from "../../backup/index.ts";
import { ConfirmLink } from "../layout/confirm-link.tsx";
import { type AssetUrls, Document } from "../layout/document.tsx";
import { Icon } from "../layout/icons.tsx";
import { Notice } from "../layout/layout.tsx";
import { BackupTable } from "./backup-table.tsx";
import { RestoreQuestion } from "./restore-question.tsx";

interface RecoveryProps {
  assets: AssetUrls;
  token: string;
  reason: string;
  /** The database file is missing: starting with an empty one is offered, below the restores. */
  canStartEmpty: boolean;
}

/** What starting empty does, asked before it. */
const START_EMPTY_TEXT =
  "A new, empty database is made: no users, no data. Every backup stays in the backup folder, and any of them can " +
  "still be restored later. Then you create the first user with the setup link.";

/** `/recovery/confirm?…`: the question before a restore; `name` empty for the emergency restore. */
const confirmUrl = (token: string, name: string) =>
  `/recovery/confirm?token=${encodeURIComponent(token)}${name ? `&name=${encodeURIComponent(name)}` : ""}`;

/** A restore from the recovery page: first the question, which says what it puts back and what changes. */
function RestoreLink(props: {
  token: string;
  record: ManifestRecord | null;
  danger?: boolean;
  label: string;
}) {
  return (
    <a
      class={props.danger ? "button danger" : "button"}
      href={confirmUrl(props.token, props.record?.name ?? "")}
    >
      <Icon name="restore" />
      {props.label}
    </a>
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
        <Notice kind="error">{props.reason}</Notice>
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
        {props.canStartEmpty
          ? "Restore a backup to continue, or start with an empty database below."
          : "Restore a backup to continue. The damaged database is first kept as a safety backup, in case it holds something to salvage."}{" "}
        Afterwards everyone signs in with the users of the restored backup.
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
      {props.canStartEmpty ? (
        <section class="panel">
          <h2>Or start with an empty database</h2>
          <p>Only when the shop's data is meant to start anew. {START_EMPTY_TEXT}</p>
          <ConfirmLink
            href={`/recovery/start-empty?token=${encodeURIComponent(props.token)}`}
            post="/recovery/start-empty"
            vals={{ token: props.token }}
            question={`Start with an empty database? ${START_EMPTY_TEXT}`}
            icon="restore"
            label="Start with an empty database"
            tone="danger"
          />
        </section>
      ) : null}
    </RecoveryFrame>
  );
}

/** The question before starting with an empty database, for a browser without JavaScript. */
export function StartEmptyConfirmPage(props: RecoveryProps) {
  const { token } = props;
  return (
    <RecoveryFrame {...props} title="Start with an empty database">
      <section class="panel">
        <h2 class="title">Start with an empty database</h2>
        <p class="confirm-text">{START_EMPTY_TEXT}</p>
        <form method="post" action="/recovery/start-empty" class="confirm-buttons">
          <input type="hidden" name="token" value={token} />
          <button type="submit" class="danger">
            Yes, start empty
          </button>
          <a class="button secondary" href={`/recovery?token=${encodeURIComponent(token)}`}>
            Cancel
          </a>
        </form>
      </section>
    </RecoveryFrame>
  );
}

/** The question before a restore from the recovery page: what it puts back, and what changes. */
export function RecoveryConfirmPage(props: RecoveryProps & { preview: RestorePreview; emergency: boolean }) {
  const { preview, token } = props;
  return (
    <RecoveryFrame {...props} title="Confirm the restore">
      <RestoreQuestion
        preview={preview}
        emergency={props.emergency}
        action="/recovery/restore"
        fields={props.emergency ? { token, expected: preview.name } : { token, name: preview.name }}
        cancel={`/recovery?token=${encodeURIComponent(token)}`}
      />
    </RecoveryFrame>
  );
}

/**
 * The recovery page without its link's token: where every page leads in recovery mode. It says why
 * nothing else works and where the link is; `staleLink` when a link was used that does not work (any more).
 */
export function RecoveryHelpPage(props: { assets: AssetUrls; staleLink: boolean }) {
  return (
    <Document title="Recovery" assets={props.assets}>
      <main class="recovery-page" id="recovery">
        <h1>The database needs to be restored</h1>
        <Notice kind="error">
          BusinessApp cannot use its database, so it runs in recovery mode: the other pages work again once a
          backup is restored.
        </Notice>
        {props.staleLink ? (
          <p>
            This recovery link does not work: each start of BusinessApp makes a new one, and a link stops
            working once the database is restored.
          </p>
        ) : null}
        <section class="panel">
          <h2>Restore with the recovery link</h2>
          <p>
            BusinessApp wrote a recovery link when it started. Find the line “Open this link once to restore a
            backup” in the window BusinessApp runs in, or in the file <code>backup.log</code> in the{" "}
            <code>database_backups</code> folder beside BusinessApp, and open that link in this browser.
          </p>
        </section>
        <section class="panel">
          <h2>Or at the command line</h2>
          <p>
            Close BusinessApp, then run <code>business-app restore --latest</code> in its folder (on Windows{" "}
            <code>BusinessApp.exe restore --latest</code>): it puts back the newest good backup. Then start
            BusinessApp again.
          </p>
        </section>
        <p>
          <a href={RECOVERY_HELP}>Look again</a> (once the database is restored, this leads to the sign-in).
        </p>
      </main>
    </Document>
  );
}

/** The recovery page's own address, without a token. */
export const RECOVERY_HELP = "/recovery";
