/** @jsxImportSource hono/jsx */
import type { RetentionPreview } from "../../app/settings/retention-preview.ts";
import type { RetentionDecision } from "../../backup/index.ts";
import { Time } from "../layout/when.tsx";
import { KIND_TITLE } from "../layout/words.ts";

type Shown = RetentionDecision<{ name: string; kind: keyof typeof KIND_TITLE; createdAt: string }>;

function Decisions(props: { decisions: Shown[]; now: Date }) {
  if (props.decisions.length === 0) return <p class="muted small">No backups.</p>;
  return (
    <ul class="plain retention-list">
      {props.decisions.map(({ record, keep, reason }) => (
        <li class={keep ? "status-ok" : "status-bad"}>
          <strong>{keep ? "Stays" : "Goes"}</strong> {KIND_TITLE[record.kind]},{" "}
          <Time at={record.createdAt} now={props.now} /> <code class="path">{record.name}</code>
          <br />
          <span class="small">{reason}</span>
        </li>
      ))}
    </ul>
  );
}

/**
 * What retention would keep and remove with the numbers being typed, before they are saved: the
 * backups here, then each off-site place as this PC recorded its copies there. Or, for a number
 * that cannot be used, why.
 */
export function RetentionPreviewPanel(props: {
  preview: RetentionPreview | null;
  problem?: string;
  now: Date;
}) {
  const { preview } = props;
  return (
    <div id="retention-preview" class="retention-preview" aria-live="polite">
      {props.problem ? <p class="status-bad">{props.problem}</p> : null}
      {preview ? (
        <>
          <h3>With these numbers</h3>
          <p class="small">
            {preview.local.filter((d) => !d.keep).length} of {preview.local.length} backups here would go the
            next time retention runs (after the next backup). Nothing is removed before you save.
          </p>
          <Decisions decisions={preview.local} now={props.now} />
          {preview.places.map((place) => (
            <>
              <h3>
                {place.label} <span class="muted small">({place.where})</span>
              </h3>
              <p class="muted small">As this PC recorded its copies there; the place itself is not asked.</p>
              <Decisions decisions={place.decisions} now={props.now} />
            </>
          ))}
        </>
      ) : props.problem ? null : (
        <p class="muted small">Change a number above to see which backups would stay and which would go.</p>
      )}
    </div>
  );
}
