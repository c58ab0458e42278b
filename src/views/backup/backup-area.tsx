/** @jsxImportSource hono/jsx */

import type { AppStatus } from "../../app/status.ts";
import type { AuditEntry } from "../../auth/audit.ts";
import type { ManifestRecord } from "../../backup/index.ts";
import { hideLinkTokens } from "../../lib/log-lines.ts";
import { Progress, StatusFacts, StatusSentenceBanner } from "../home/status-panel.tsx";
import { statusSentence } from "../home/status-sentence.ts";
import { AlertList, alertsBeside } from "../layout/alerts.tsx";
import { Notice, type Viewer } from "../layout/layout.tsx";
import { Time } from "../layout/when.tsx";
import { OffsiteBanner } from "../offsite/offsite-panel.tsx";
import type { OffsiteRows } from "../offsite/offsite-places.tsx";
import { BackupActions } from "./backup-actions.tsx";
import { BackupList } from "./backup-list.tsx";
import { SizeChart } from "./size-chart.tsx";

export interface BackupAreaProps {
  viewer: Viewer;
  status: AppStatus;
  records: ManifestRecord[];
  /** The list with off-site copies (`records` and the backups only off-site), or null without them. */
  offsite: { records: ManifestRecord[]; rows: OffsiteRows } | null;
  message: Message | null;
  /** The newest lines of backup.log and of the audit trail; null for those who may not read them. */
  logLines: string[] | null;
  audit: AuditEntry[] | null;
  /** The app's clock, for times like "2 hours ago". */
  now: Date;
  /** How many rows of the list to show at first (a page unless asked for more). */
  rows?: number;
}

/**
 * The part of the page that htmx swaps: the answer to "is my data safe?", the facts behind it,
 * what one can do, the list, the chart and the newest log lines. While a backup or restore runs
 * it asks for itself again every 2 seconds.
 */
export function BackupArea(props: BackupAreaProps) {
  const { viewer, status, records, now } = props;
  const sentence = statusSentence(status, now);
  const polling = status.operation
    ? { "hx-get": "/backup/list", "hx-trigger": "every 2s", "hx-swap": "outerHTML" }
    : {};
  return (
    <div id="backup-area" {...polling}>
      {props.message ? <Notice kind={props.message.kind}>{props.message.text}</Notice> : null}
      <AlertList alerts={alertsBeside(status.alerts, sentence.covers)} id="status-alerts" />
      <StatusSentenceBanner sentence={sentence} />
      <OffsiteBanner status={status} now={now} />
      <Progress status={status} />
      <div class="status-grid">
        <StatusFacts viewer={viewer} status={status} now={now} />
        <BackupActions viewer={viewer} continuous={status.continuous} now={now} />
      </div>
      <BackupList
        viewer={viewer}
        records={props.offsite?.records ?? records}
        offsite={props.offsite?.rows ?? null}
        kept={status.backups.latest?.name ?? null}
        now={now}
        {...(props.rows ? { rows: props.rows } : {})}
      />
      <section class="panel" aria-labelledby="chart-heading">
        <h2 id="chart-heading">Size of good backups over time</h2>
        <SizeChart records={records} />
      </section>
      {props.logLines ? (
        <section class="panel" aria-labelledby="log-heading">
          <h2 id="log-heading">Recent backup activity</h2>
          <pre class="log">{props.logLines.map(hideLinkTokens).join("\n")}</pre>
        </section>
      ) : null}
      {props.audit ? (
        <section class="panel" aria-labelledby="audit-heading">
          <h2 id="audit-heading">Who did what recently</h2>
          <ul class="audit">
            {props.audit.map((e) => (
              <li>
                <Time at={e.at} now={now} /> · {e.username ?? "—"} · {e.action}
                {e.target ? ` · ${e.target}` : ""} · {e.outcome}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

/** What became of a person's last action on the backup page, shown until their next one. */
export interface Message {
  kind: "ok" | "error";
  text: string;
}
