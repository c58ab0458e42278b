/** @jsxImportSource hono/jsx */

import { deleteQuestion } from "../../app/restore/questions.ts";
import { hasRole } from "../../auth/roles.ts";
import type { ManifestRecord } from "../../backup/index.ts";
import { ConfirmLink } from "../layout/confirm-link.tsx";
import { Icon } from "../layout/icons.tsx";
import type { Viewer } from "../layout/layout.tsx";
import { lookUrl } from "../look/look-parts.tsx";
import { type OffsiteRows, Places } from "../offsite/offsite-places.tsx";
import { BackupRows, BackupTable, type RowParts } from "./backup-table.tsx";

/**
 * Restore, Download and Delete of one backup, in three slots that every row has. An action the
 * app would refuse is not offered: no Restore for a damaged backup, no Delete for the newest good
 * one (it says "Kept" instead). Links work without JavaScript (a confirmation page); htmx posts
 * them in place after the browser's dialog.
 */
function RowActions(props: {
  record: ManifestRecord;
  kept: boolean;
  offsiteOnly: boolean;
  hasCopy: boolean;
}) {
  const { record: r } = props;
  if (props.offsiteOnly) {
    // No file here to download or delete: it can only be restored, from its off-site copy.
    return (
      <>
        <RestoreLink record={r} />
        <span class="action-slot" />
        <span class="action-slot" />
      </>
    );
  }
  const name = encodeURIComponent(r.name);
  return (
    <>
      {/* A damaged backup with an off-site copy is restored from that copy. */}
      {r.health === "damaged" && !props.hasCopy ? <span class="action-slot" /> : <RestoreLink record={r} />}
      <a class="button secondary" href={`/api/backups/${name}/download`} download={r.name}>
        <Icon name="download" />
        Download
      </a>
      {props.kept ? (
        <span class="action-slot kept" title="The newest good backup is always kept: it cannot be deleted.">
          <Icon name="kept" />
          Kept
        </span>
      ) : (
        <ConfirmLink
          href={`/backup/confirm?action=delete&name=${name}`}
          post="/backup/delete"
          vals={{ name: r.name }}
          question={deleteQuestion(r)}
          icon="delete"
          label="Delete"
          tone="danger"
        />
      )}
    </>
  );
}

/** Restore: first the question, which says what changes (rows now and after, what is lost). */
function RestoreLink(props: { record: ManifestRecord }) {
  return (
    <a class="button" href={`/backup/confirm?action=restore&name=${encodeURIComponent(props.record.name)}`}>
      <Icon name="restore" />
      Restore
    </a>
  );
}

/** Inside a backup (admins): only a backup here that passed its full check is opened. */
function LookInsideLink(props: { record: ManifestRecord }) {
  if (props.record.health !== "verified") return null;
  return (
    <a class="look-inside small" href={lookUrl(props.record.name)}>
      Look inside
    </a>
  );
}

/** How many backups a page of the list shows; "Show older" brings the next as many. */
export const PAGE_ROWS = 50;

interface ListProps {
  viewer: Viewer;
  /** Every backup, newest first; only a page of them is drawn. */
  records: ManifestRecord[];
  now: Date;
  offsite?: OffsiteRows | null;
  /** The newest good backup (`newestGood`): it says "Kept" instead of offering Delete. */
  kept: string | null;
}

/** What each row shows beside its facts: where it lives, and (super admins) its actions. */
function rowParts(props: ListProps): RowParts {
  const { offsite, now } = props;
  const admin = hasRole(props.viewer.role, "admin");
  const here = (r: ManifestRecord) => !(offsite?.only.has(r.name) ?? false);
  const where = (r: ManifestRecord) => (
    <>
      {offsite ? <Places record={r} offsite={offsite} now={now} /> : null}
      {admin && here(r) ? <LookInsideLink record={r} /> : null}
    </>
  );
  const actions = (r: ManifestRecord) => (
    <RowActions
      record={r}
      kept={r.name === props.kept}
      offsiteOnly={offsite?.only.has(r.name) ?? false}
      hasCopy={(offsite?.places.get(r.name)?.length ?? 0) > 0}
    />
  );
  return {
    now,
    ...(offsite || admin ? { where } : {}),
    ...(props.viewer.role === "super_admin" ? { actions } : {}),
  };
}

/**
 * The last row while older backups remain: with htmx it swaps itself for the next page of rows;
 * without JavaScript it opens the page with that many more rows.
 */
function ShowOlder(props: { from: number; total: number; columns: number }) {
  if (props.from >= props.total) return null;
  const left = props.total - props.from;
  return (
    <tr class="show-older">
      <td colspan={props.columns}>
        <a
          class="button secondary"
          href={`/backup/status?rows=${props.from + PAGE_ROWS}`}
          hx-get={`/backup/older?from=${props.from}`}
          hx-target="closest tr"
          hx-swap="outerHTML"
        >
          Show older ({left} more)
        </a>
      </td>
    </tr>
  );
}

/** The rows after the first `from`, a page of them, and "Show older" again while more remain. */
export function OlderBackups(props: ListProps & { from: number }) {
  const parts = rowParts(props);
  const end = props.from + PAGE_ROWS;
  return (
    <>
      <BackupRows {...parts} records={props.records.slice(props.from, end)} />
      <ShowOlder from={end} total={props.records.length} columns={parts.actions ? 5 : 4} />
    </>
  );
}

/**
 * The backups past the first `shown` that one must not lose sight of: damaged or unchecked ones
 * and the newest of each kind (say the newest upload under hundreds of automatic backups). At
 * most a page of them, newest first; one pass over the listing.
 */
function worthALook(records: ManifestRecord[], shown: number): ManifestRecord[] {
  const kinds = new Set(records.slice(0, shown).map((r) => r.kind));
  const found: ManifestRecord[] = [];
  for (let i = shown; i < records.length && found.length < PAGE_ROWS; i++) {
    const r = records[i] as ManifestRecord;
    const firstOfKind = !kinds.has(r.kind);
    kinds.add(r.kind);
    if (firstOfKind || r.health !== "verified") found.push(r);
  }
  return found;
}

/** Older backups shown on the first page too, below the list, under their own heading row. */
function WorthALook(props: { records: ManifestRecord[]; parts: RowParts }) {
  if (props.records.length === 0) return null;
  return (
    <tbody class="worth-a-look">
      <tr class="worth-a-look-head">
        <th scope="rowgroup" colspan={props.parts.actions ? 5 : 4}>
          Further down the list: damaged or unchecked backups and the newest of each kind
        </th>
      </tr>
      <BackupRows {...props.parts} records={props.records} />
    </tbody>
  );
}

/**
 * The backups, newest first, a page at a time (`rows` of them at first); for super admins with
 * restore, download and delete; older backups one must not miss are listed below them too.
 * With off-site copies, each row says where the backup lives, and backups only off-site have rows.
 */
export function BackupList(props: ListProps & { rows?: number }) {
  const parts = rowParts(props);
  const shown = props.rows ?? PAGE_ROWS;
  return (
    <section class="panel list-panel backup-list" aria-labelledby="list-heading">
      <h2 id="list-heading">Backups, newest first</h2>
      {props.records.length === 0 ? (
        <p class="muted">No backups yet.</p>
      ) : (
        <BackupTable
          {...parts}
          records={props.records.slice(0, shown)}
          // After an action far down the list, its message at the top of the area is brought into view.
          inherit={{
            "hx-target:inherited": "#backup-area",
            "hx-swap:inherited": "outerHTML show:top showTarget:#backup-area",
          }}
          more={<ShowOlder from={shown} total={props.records.length} columns={parts.actions ? 5 : 4} />}
          after={<WorthALook records={worthALook(props.records, shown)} parts={parts} />}
        />
      )}
    </section>
  );
}
