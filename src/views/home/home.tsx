/** @jsxImportSource hono/jsx */

import { drillSentence } from "../../app/drill-words.ts";
import type { PassphraseStatus } from "../../app/settings/passphrase.ts";
import type { AppStatus } from "../../app/status.ts";
import { hasRole } from "../../auth/roles.ts";
import type { TableCount } from "../../backup/index.ts";
import { formatBytes } from "../../lib/format.ts";
import { Page, type PageProps } from "../layout/layout.tsx";
import { Time } from "../layout/when.tsx";
import { databaseHealthWord, healthClass } from "../layout/words.ts";
import { OffsiteBanner } from "../offsite/offsite-panel.tsx";
import { PassphraseReminder } from "../offsite/passphrase.tsx";
import { PlaceDrillLines, StatusSentenceBanner } from "./status-panel.tsx";
import { statusSentence } from "./status-sentence.ts";

export interface HomeProps extends PageProps {
  /** The off-site passphrase: administrators are asked to type it when it is due. */
  passphrase?: PassphraseStatus;
  version: string;
  dataDir: string;
  databasePath: string;
  databaseBytes: number;
  tables: TableCount[];
  /** Entries of the audit trail, which has a file of its own. */
  auditEntries: number;
  status: AppStatus;
}

/** BusinessApp's own tables, in words; any other table is the shop's own data and keeps its name. */
const APP_TABLES: Record<string, string> = {
  users: "User accounts",
  sessions: "People signed in right now (sessions)",
};
/** Left in the database by older versions, empty since the audit trail has its own file. */
const FORMER_TABLES = new Set(["audit_log"]);

const rows = (n: number) => (n === 1 ? "1 row" : `${n.toLocaleString("en-US")} rows`);

function Contents(props: { tables: TableCount[]; auditEntries: number }) {
  const own = props.tables.filter((t) => !(t.name in APP_TABLES) && !FORMER_TABLES.has(t.name));
  const app = props.tables.filter((t) => t.name in APP_TABLES);
  return (
    <section class="panel" aria-labelledby="tables-heading">
      <h2 id="tables-heading">What the database holds</h2>
      <dl class="facts">
        {own.length === 0 ? (
          <>
            <dt>Your business data</dt>
            <dd>nothing yet</dd>
          </>
        ) : (
          own.map((t) => (
            <>
              <dt class="name">Your table “{t.name}”</dt>
              <dd>{rows(t.rows)}</dd>
            </>
          ))
        )}
        {app.map((t) => (
          <>
            <dt>{APP_TABLES[t.name]}</dt>
            <dd>{t.rows.toLocaleString("en-US")}</dd>
          </>
        ))}
        <dt>Recorded actions of the audit trail (kept apart, so a restore never undoes them)</dt>
        <dd>{props.auditEntries.toLocaleString("en-US")}</dd>
      </dl>
    </section>
  );
}

export function HomePage(props: HomeProps) {
  const { status, now } = props;
  const { health, scheduler } = status;
  const sentence = statusSentence(status, now);
  const latest = status.backups.latest;
  return (
    <Page
      title="Dashboard"
      current="/"
      viewer={props.viewer}
      assets={props.assets}
      bannerWithout={sentence.covers}
    >
      <h1>Dashboard</h1>
      <StatusSentenceBanner sentence={sentence} />
      <OffsiteBanner status={status} now={now} />
      <p class={status.drill.last && !status.drill.last.ok ? "status-bad" : "muted"} id="drill-sentence">
        {drillSentence(status.drill, now)}
      </p>
      <PlaceDrillLines status={status} now={now} />
      {props.passphrase?.due && hasRole(props.viewer.role, "admin") ? (
        <PassphraseReminder viewer={props.viewer} status={props.passphrase} now={now} />
      ) : null}
      <div class="cards">
        <section class="panel card">
          <h2>Database</h2>
          <p class="big">{formatBytes(props.databaseBytes)}</p>
          <p class={healthClass(health)}>{databaseHealthWord(health)}</p>
          {health ? (
            <p class="muted small">
              checked <Time at={health.checkedAt} now={now} as="ago" />
            </p>
          ) : null}
        </section>
        <section class="panel card">
          <h2>Newest good backup</h2>
          <p class="big">{latest ? <Time at={latest.createdAt} now={now} /> : "none yet"}</p>
          {latest ? <p class="muted small file">{latest.name}</p> : null}
          <p>
            <a href="/backup/status">Open Database Backup</a>
          </p>
        </section>
        <section class="panel card">
          <h2>Next automatic backup</h2>
          <p class="big">
            {scheduler.active && scheduler.nextRun ? <Time at={scheduler.nextRun} now={now} /> : "—"}
          </p>
          <p class="muted small">
            {scheduler.active
              ? `On, ${scheduler.cadence}`
              : scheduler.paused
                ? "Paused"
                : "Automatic backups are off"}
          </p>
        </section>
      </div>
      <Contents tables={props.tables} auditEntries={props.auditEntries} />
      <section class="panel" aria-labelledby="files-heading">
        <h2 id="files-heading">Where your data is kept</h2>
        <p>
          All data is in one file, <code class="path">{props.databasePath}</code>. Backups are kept in{" "}
          <code class="path">{status.folder}</code>.
        </p>
        <p>
          To move BusinessApp to another PC, copy the folder <code class="path">{props.dataDir}</code> with
          the program. This is version {props.version}.
        </p>
      </section>
    </Page>
  );
}
