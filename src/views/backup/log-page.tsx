/** @jsxImportSource hono/jsx */
import type { LogLine } from "../../lib/log-lines.ts";
import { Page, type PageProps } from "../layout/layout.tsx";

export interface LogPageProps extends PageProps {
  lines: LogLine[];
  /** Lines that match the filter in the whole log; `lines` holds the newest of them. */
  matched: number;
  problemsOnly: boolean;
  logPath: string;
}

/** backup.log for administrators: newest lines first, all or only warnings and errors, and the file to download. */
export function LogPage(props: LogPageProps) {
  const { lines, matched, problemsOnly } = props;
  return (
    <Page title="Log" current="/log" viewer={props.viewer} assets={props.assets}>
      <h1>Log</h1>
      <p>
        What BusinessApp did with the backups, newest first: every backup, restore, check and restore drill,
        and what went wrong. Links that work only once are shown without their secret part.
      </p>
      <nav class="log-filter" aria-label="Which lines">
        {problemsOnly ? <a href="/log">All lines</a> : <strong aria-current="page">All lines</strong>}
        {problemsOnly ? (
          <strong aria-current="page">Warnings and errors only</strong>
        ) : (
          <a href="/log?level=problems">Warnings and errors only</a>
        )}
        <a href="/log/download" download="backup.log">
          Download backup.log
        </a>
      </nav>
      <section class="panel" aria-labelledby="log-lines-heading">
        <h2 id="log-lines-heading">
          {matched === 0
            ? problemsOnly
              ? "No warnings or errors"
              : "Nothing logged yet"
            : matched > lines.length
              ? `The newest ${lines.length} of ${matched} lines`
              : `${matched} ${matched === 1 ? "line" : "lines"}`}
        </h2>
        {lines.length > 0 ? (
          <ol class="log-lines">
            {lines.map((line) => (
              <li class={`log-${(line.level ?? "other").toLowerCase()}`}>{line.text}</li>
            ))}
          </ol>
        ) : null}
        <p class="muted small">
          The file: <code class="path">{props.logPath}</code> (older lines in backup.log.1 to .3 beside it).
        </p>
      </section>
    </Page>
  );
}
