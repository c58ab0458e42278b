/** @jsxImportSource hono/jsx */
import { formatBytes } from "../lib/format.ts";
import { Page, type Viewer } from "./layout.tsx";

export interface HomeProps {
  viewer: Viewer;
  version: string;
  dataDir: string;
  databasePath: string;
  databaseBytes: number;
  databaseOk: boolean;
  backupsDir: string;
}

export function HomePage(props: HomeProps) {
  return (
    <Page title="Dashboard" current="/" viewer={props.viewer}>
      <h1>Dashboard</h1>
      <section class="panel" aria-labelledby="db-heading">
        <h2 id="db-heading">Database</h2>
        <dl class="facts">
          <dt>Status</dt>
          <dd class={props.databaseOk ? "status-ok" : "status-bad"}>
            {props.databaseOk ? "Open and answering" : "Not answering"}
          </dd>
          <dt>File</dt>
          <dd>{props.databasePath}</dd>
          <dt>Size</dt>
          <dd>{formatBytes(props.databaseBytes)}</dd>
          <dt>Backup folder</dt>
          <dd>{props.backupsDir}</dd>
          <dt>Data folder</dt>
          <dd>{props.dataDir}</dd>
          <dt>Version</dt>
          <dd>{props.version}</dd>
        </dl>
      </section>
    </Page>
  );
}
