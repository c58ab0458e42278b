/** @jsxImportSource hono/jsx */
import type { ManifestRecord } from "../backup/manifest.ts";
import { formatBytes } from "../lib/format.ts";
import { type AssetUrls, Document } from "./document.tsx";
import { KIND_LABEL, showTime } from "./format.ts";
import { Notice } from "./layout.tsx";

/**
 * Recovery mode: the database with the users is the broken one, so this page needs no sign-in;
 * the one-time token of the printed link is its key.
 */
export function RecoveryPage(props: {
  assets: AssetUrls;
  token: string;
  reason: string;
  records: ManifestRecord[];
  error?: string | null;
}) {
  const usable = props.records.filter((r) => r.health !== "damaged");
  return (
    <Document title="Recovery" assets={props.assets}>
      <main class="recovery-page">
        <h1>The database needs to be restored</h1>
        <Notice kind="error">The database cannot be used: {props.reason}.</Notice>
        {props.error ? <Notice kind="error">{props.error}</Notice> : null}
        <p>
          Restore a backup to continue. The damaged database is first kept as a safety backup, in case it
          holds something to salvage. Afterwards everyone signs in with the users of the restored backup.
        </p>
        <form method="post" action="/recovery/restore" class="panel">
          <input type="hidden" name="token" value={props.token} />
          <h2>Emergency restore</h2>
          <p>Restores the newest backup that passes the full check.</p>
          <button type="submit" class="danger">
            Emergency Restore
          </button>
        </form>
        <section class="panel">
          <h2>Or choose a backup</h2>
          {usable.length === 0 ? (
            <p>No usable backup was found in the backup folder.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Created</th>
                  <th scope="col">Size</th>
                  <th scope="col">Health</th>
                  <th scope="col" />
                </tr>
              </thead>
              <tbody>
                {usable.map((r) => (
                  <tr>
                    <td>
                      <code>{r.name}</code>
                    </td>
                    <td>{KIND_LABEL[r.kind] ?? r.kind}</td>
                    <td>{showTime(r.createdAt)}</td>
                    <td>{formatBytes(r.size)}</td>
                    <td>{r.health === "verified" ? "Verified" : "Not checked"}</td>
                    <td>
                      <form method="post" action="/recovery/restore">
                        <input type="hidden" name="token" value={props.token} />
                        <input type="hidden" name="name" value={r.name} />
                        <button type="submit">Restore this one</button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </main>
    </Document>
  );
}
