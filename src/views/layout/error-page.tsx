/** @jsxImportSource hono/jsx */

import { RECOVERY_HELP } from "../backup/recovery-page.tsx";
import { type AssetUrls, Document } from "./document.tsx";

/**
 * A whole page for an error, without the sidebar (the viewer may not be signed in), with a way on:
 * the dashboard, or in recovery mode (when every other page leads there) the recovery page.
 */
export function ErrorPage(props: {
  status: number;
  title: string;
  message: string;
  assets: AssetUrls;
  recoveryMode?: boolean;
}) {
  return (
    <Document title={props.title} assets={props.assets}>
      <main class="error-page">
        <p class="muted">Error {props.status}</p>
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          {props.recoveryMode ? (
            <a href={RECOVERY_HELP}>Open the recovery page</a>
          ) : (
            <a href="/">Back to the dashboard</a>
          )}
        </p>
      </main>
    </Document>
  );
}
