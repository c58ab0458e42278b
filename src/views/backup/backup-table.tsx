/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import type { ManifestRecord } from "../../backup/index.ts";
import { formatBytes } from "../../lib/format.ts";
import { upperFirst } from "../../lib/text.ts";
import { Icon } from "../layout/icons.tsx";
import { Time } from "../layout/when.tsx";
import { backupTitle, HEALTH_WORD, KIND_TITLE, madeBy } from "../layout/words.ts";

const HEALTH_ICON = { verified: "good", damaged: "damaged", unchecked: "waiting" } as const;

/** What the backup is (its description, or its kind), who made it, its file name, where it lives. */
function BackupCell(props: { record: ManifestRecord; where?: Child }) {
  const r = props.record;
  const by = madeBy(r.createdBy);
  const kind = r.description ? KIND_TITLE[r.kind] : null;
  const about = [kind, by].filter(Boolean).join(" · ");
  return (
    <td class="backup">
      <span class="title" title={backupTitle(r)}>
        {backupTitle(r)}
      </span>
      {about ? <span class="about">{upperFirst(about)}</span> : null}
      <span class="file">{r.name}</span>
      {r.health === "damaged" && r.reason ? <span class="reason">{r.reason}</span> : null}
      {props.where ?? null}
    </td>
  );
}

function HealthWord(props: { record: ManifestRecord }) {
  const { health, reason } = props.record;
  return (
    <span class={`health health-${health}`} title={reason ?? undefined}>
      <Icon name={HEALTH_ICON[health]} />
      {HEALTH_WORD[health]}
    </span>
  );
}

/** What a table of backups shows for each row, besides the facts every row has. */
export interface RowParts {
  now: Date;
  actions?: (record: ManifestRecord) => Child;
  /** Where each backup lives (here, off-site), shown under its name. */
  where?: (record: ManifestRecord) => Child;
}

/** One row per backup: the table's body, or the next page of it. */
export function BackupRows(props: RowParts & { records: ManifestRecord[] }) {
  const { actions } = props;
  return (
    <>
      {props.records.map((r) => (
        <tr>
          <BackupCell record={r} where={props.where?.(r)} />
          <td class="when">
            <Time at={r.createdAt} now={props.now} />
          </td>
          <td class="size">{formatBytes(r.size)}</td>
          <td class="health-cell">
            <HealthWord record={r} />
          </td>
          {actions ? (
            <td class="actions">
              <div class="action-row">{actions(r)}</div>
            </td>
          ) : null}
        </tr>
      ))}
    </>
  );
}

/**
 * Backups newest first, one row each: what it is, when, size, health, and the actions the caller
 * offers for it (the same slots in every row, so the buttons line up). Below the panel's width
 * for a table, each row becomes a card (see `.backup-table` in app.css). `more` is the last row
 * (a "Show older" link) when the list goes on; `after` follows the rows.
 */
export function BackupTable(
  props: RowParts & {
    records: ManifestRecord[];
    /** htmx attributes the rows' actions inherit. */
    inherit?: Record<string, string>;
    more?: Child;
    /** Bodies after the rows (and after any that "Show older" brings). */
    after?: Child;
  },
) {
  return (
    <table class="backup-table" {...(props.inherit ?? {})}>
      <thead>
        <tr>
          <th scope="col" class="backup">
            Backup
          </th>
          <th scope="col" class="when">
            Made
          </th>
          <th scope="col" class="size">
            Size
          </th>
          <th scope="col" class="health-cell">
            Health
          </th>
          {props.actions ? (
            <th scope="col" class="actions">
              <span class="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        <BackupRows {...props} />
        {props.more ?? null}
      </tbody>
      {props.after ?? null}
    </table>
  );
}
