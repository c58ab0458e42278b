/** @jsxImportSource hono/jsx */
import type { AuditEntry } from "../../auth/audit.ts";
import { Page, type PageProps } from "../layout/layout.tsx";
import { Time } from "../layout/when.tsx";

/** The newest entries of the audit trail: who did what, when, from where. */
export function AuditPage(props: PageProps & { entries: AuditEntry[] }) {
  return (
    <Page title="Audit trail" current="/users" viewer={props.viewer} assets={props.assets}>
      <h1>Audit trail</h1>
      <p>Who signed in and what they changed, newest first.</p>
      <section class="panel list-panel">
        <table class="stack-table audit-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">On</th>
              <th scope="col">Outcome</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((e) => (
              <tr>
                <td data-label="When" class="short">
                  <Time at={e.at} now={props.now} />
                </td>
                <td data-label="Who" class="who">
                  {e.username ?? "—"}
                </td>
                <td data-label="What">{e.action}</td>
                <td data-label="On">{e.target ?? ""}</td>
                <td data-label="Outcome" class="short">
                  {e.outcome}
                </td>
                <td data-label="From" class="short">
                  {e.clientAddress ?? ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Page>
  );
}
