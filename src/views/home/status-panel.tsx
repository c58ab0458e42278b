/** @jsxImportSource hono/jsx */

import { forecastSentence, fullSoon } from "../../app/alerts/forecast-words.ts";
import { drillSentence, nextDrill, placeDrillSentence } from "../../app/drill-words.ts";
import type { AppStatus } from "../../app/status.ts";
import { formatBytes } from "../../lib/format.ts";
import { ActionForm } from "../layout/action-form.tsx";
import { Icon } from "../layout/icons.tsx";
import type { Viewer } from "../layout/layout.tsx";
import { Time } from "../layout/when.tsx";
import { databaseHealthWord, healthClass } from "../layout/words.ts";
import { OffsiteFact } from "../offsite/offsite-panel.tsx";
import type { StatusSentence } from "./status-sentence.ts";

const TONE_ICON = { ok: "good", warn: "alert", bad: "alert" } as const;

/** The answer first: one sentence with a colour (see `statusSentence`). */
export function StatusSentenceBanner(props: { sentence: StatusSentence }) {
  const { sentence } = props;
  return (
    <p class={`verdict verdict-${sentence.tone}`} id="status-sentence">
      <Icon name={TONE_ICON[sentence.tone]} />
      <span>{sentence.text}</span>
    </p>
  );
}

function SchedulerFact(props: { viewer: Viewer; status: AppStatus; now: Date }) {
  const { scheduler } = props.status;
  const { now } = props;
  return (
    <dd>
      <span class={scheduler.active ? "status-ok" : "status-bad"}>
        {scheduler.active ? "On" : scheduler.paused ? "Paused" : "Off"}
      </span>
      , {scheduler.cadence}
      {scheduler.nextRun ? (
        <>
          ; next <Time at={scheduler.nextRun} now={now} as="ahead" />
        </>
      ) : null}
      {scheduler.retryAt ? (
        <>
          ; the last one failed and is tried again <Time at={scheduler.retryAt} now={now} as="ahead" />
        </>
      ) : null}
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

function HealthFact(props: { viewer: Viewer; status: AppStatus; now: Date }) {
  const { health, recoveryMode } = props.status;
  const word = databaseHealthWord(health, recoveryMode);
  return (
    <dd>
      <span class={healthClass(health, recoveryMode)}>{word}</span>
      {health ? (
        <>
          , checked <Time at={health.checkedAt} now={props.now} as="ago" />
        </>
      ) : null}
      <ActionForm viewer={props.viewer} action="/backup/check">
        <button type="submit" class="secondary small">
          Check now
        </button>
      </ActionForm>
    </dd>
  );
}

/**
 * Each off-site place's last drill, a sentence each, beside the restore drill's (the dashboard
 * and the Database Backup page): red when it failed.
 */
export function PlaceDrillLines(props: { status: AppStatus; now: Date }) {
  return (
    <>
      {props.status.drill.places.map((place) => (
        <p class={place.last && !place.last.ok ? "status-bad" : "muted"} id={`offsite-drill-${place.place}`}>
          {placeDrillSentence(place, props.now)}
        </p>
      ))}
    </>
  );
}

/** The last restore drill, when the next runs, and (administrators) a button to run one now. */
function DrillFact(props: { viewer: Viewer; status: AppStatus; now: Date }) {
  const { drill } = props.status;
  const next = nextDrill(drill, props.now);
  return (
    <dd>
      <span class={drill.last && !drill.last.ok ? "status-bad" : undefined} id="drill-sentence">
        {drillSentence(drill, props.now)}
      </span>
      {next
        ? ` Next: ${next} (every ${drill.intervalDays === 1 ? "day" : `${drill.intervalDays} days`}).`
        : ""}
      {props.viewer.role !== "user" ? (
        <ActionForm viewer={props.viewer} action="/backup/drill">
          <button type="submit" class="secondary small">
            Test a restore now
          </button>
        </ActionForm>
      ) : null}
      <PlaceDrillLines status={props.status} now={props.now} />
    </dd>
  );
}

/** The facts behind the sentence: counts, schedule, health, newest good backup, folder, space and when it runs out, last problem. */
export function StatusFacts(props: { viewer: Viewer; status: AppStatus; now: Date }) {
  const { status, viewer, now } = props;
  const { count, totalBytes, latest } = status.backups;
  return (
    <section class="panel" aria-labelledby="status-heading">
      <h2 id="status-heading">Status</h2>
      <dl class="facts">
        <dt>Backups</dt>
        <dd>
          {count === 1 ? "1 backup" : `${count} backups`}, {formatBytes(totalBytes)} in all
        </dd>
        <dt>Automatic backups</dt>
        <SchedulerFact viewer={viewer} status={status} now={now} />
        <dt>Database</dt>
        <HealthFact viewer={viewer} status={status} now={now} />
        <dt>Newest good backup</dt>
        <dd>
          {latest ? (
            <>
              <Time at={latest.createdAt} now={now} />
              <span class="file">{latest.name}</span>
            </>
          ) : (
            "none yet"
          )}
        </dd>
        <dt>Restore drill</dt>
        <DrillFact viewer={viewer} status={status} now={now} />
        <dt>Backup folder</dt>
        <dd>
          <code class="path">{status.folder}</code>
        </dd>
        <OffsiteFact status={status} now={now} />
        <dt>Free disk space</dt>
        <dd>
          {status.freeBytes === null ? "unknown" : formatBytes(status.freeBytes)}
          {status.forecast ? (
            <p class={fullSoon(status.forecast) ? "status-bad" : "muted"} id="disk-forecast">
              {forecastSentence(status.forecast)}
            </p>
          ) : null}
        </dd>
        {status.lastError ? (
          <>
            <dt>Last problem</dt>
            <dd>
              <Time at={status.lastError.at} now={now} />: {status.lastError.message}
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

/** What runs in the background, in words: it makes way for whatever someone starts. */
export function BackgroundWords(props: { status: AppStatus }) {
  const pieces = props.status.background;
  if (pieces.length === 0) return null;
  const what = (p: AppStatus["background"][number]) =>
    ({
      "backup-check": `Checking backup ${p.name ?? ""}`,
      "database-check": "Checking the database",
      tidy: "Removing old backups",
      drill: `Restore drill of ${p.name ?? "the newest backup"}`,
      merge: "Merging continuous protection's changes",
      "base-check": "Checking the starting point of continuous protection",
    })[p.kind];
  return (
    <p class="small muted" id="background-work">
      {pieces.map(what).join("; ")} in the background — it pauses when you start something.
    </p>
  );
}

/** The running backup or restore, with the bytes written so far. */
export function Progress(props: { status: AppStatus }) {
  const op = props.status.operation;
  if (!op) return <BackgroundWords status={props.status} />;
  const what = {
    restore: `Restoring from ${op.name}`,
    backup: `Creating ${op.name}`,
    drill: `Testing a restore of ${op.name} in a temporary file`,
  }[op.action];
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
      {op.waitingFor ? (
        <p class="small">
          Waiting for another program to close {op.waitingFor}. Close it (a database viewer, say), and this
          goes on by itself.
        </p>
      ) : null}
    </div>
  );
}
