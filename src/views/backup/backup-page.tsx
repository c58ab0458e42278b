/** @jsxImportSource hono/jsx */

import type { AssetUrls } from "../layout/document.tsx";
import { Page } from "../layout/layout.tsx";
import { BackupArea, type BackupAreaProps } from "./backup-area.tsx";

/** The Database Backup page: everything below the title is the part htmx swaps. */
export function BackupPage(props: BackupAreaProps & { assets: AssetUrls }) {
  return (
    <Page
      title="Database Backup"
      current="/backup/status"
      viewer={props.viewer}
      assets={props.assets}
      banner={false}
    >
      <h1>Database Backup</h1>
      <BackupArea {...props} />
    </Page>
  );
}
