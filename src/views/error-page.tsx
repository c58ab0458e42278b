/** @jsxImportSource hono/jsx */
import { Document } from "./document.tsx";

/** A whole page for an error, without the sidebar (the viewer may not be signed in). */
export function ErrorPage(props: { status: number; title: string; message: string }) {
  return (
    <Document title={props.title}>
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
