/** @jsxImportSource hono/jsx */
import type { TableCount } from "../backup/worker-protocol.ts";
import { formatBytes } from "../lib/format.ts";
import type { AppStatus } from "./app-status.ts";
import { showTime } from "./format.ts";
import { Page, type PageProps } from "./layout.tsx";

export interface HomeProps extends PageProps {
  version: string;
  dataDir: string;
  databasePath: string;
  databaseBytes: number;
  tables: TableCount[];
  status: AppStatus;
}

export function HomePage(props: HomeProps) {
  const { status } = props;
  const health = status.health;
  return (
    <Page title="Dashboard" current="/" viewer={props.viewer} assets={props.assets}>
      <h1>Dashboard</h1>
      <div class="cards">
        <section class="panel card">
          <h2>Database</h2>
          <p class="big">{formatBytes(props.databaseBytes)}</p>
          <p class={health && !health.ok ? "status-bad" : "status-ok"}>
            {health ? (health.ok ? "Healthy" : `Damaged: ${health.reason}`) : "Not checked yet"}
          </p>
          <p class="muted small">{health ? `checked ${showTime(health.checkedAt)}` : ""}</p>
        </section>
        <section class="panel card">
          <h2>Latest backup</h2>
          <p class="big">{status.backups.latest ? showTime(status.backups.latest.createdAt) : "none yet"}</p>
          <p class="muted small">{status.backups.latest?.name ?? ""}</p>
          <p>
            <a href="/backup/status">Database Backup</a>
          </p>
        </section>
        <section class="panel card">
          <h2>Next automatic backup</h2>
          <p class="big">{status.scheduler.nextRun ? showTime(status.scheduler.nextRun) : "—"}</p>
          <p class="muted small">
            {status.scheduler.active
              ? `Active, ${status.scheduler.cadence}`
              : status.scheduler.paused
                ? "Paused"
                : "Inactive"}
          </p>
        </section>
      </div>
      <section class="panel" aria-labelledby="tables-heading">
        <h2 id="tables-heading">Tables</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">Rows</th>
            </tr>
          </thead>
          <tbody>
            {props.tables.map((t) => (
              <tr>
                <td>{t.name}</td>
                <td>{t.rows.toLocaleString("en-US")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="panel" aria-labelledby="files-heading">
        <h2 id="files-heading">Files</h2>
        <dl class="facts">
          <dt>Database file</dt>
          <dd>{props.databasePath}</dd>
          <dt>Backup folder</dt>
          <dd>{status.folder}</dd>
          <dt>Data folder</dt>
          <dd>{props.dataDir}</dd>
          <dt>Version</dt>
          <dd>{props.version}</dd>
        </dl>
      </section>
    </Page>
  );
}
