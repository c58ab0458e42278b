/** @jsxImportSource hono/jsx */
import { type AssetUrls, Document } from "./document.tsx";

/** A whole page for an error, without the sidebar (the viewer may not be signed in). */
export function ErrorPage(props: { status: number; title: string; message: string; assets: AssetUrls }) {
  return (
    <Document title={props.title} assets={props.assets}>
      <main class="error-page">
        <p class="muted">Error {props.status}</p>
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a href="/">Back to the dashboard</a>
        </p>
      </main>
    </Document>
  );
}
