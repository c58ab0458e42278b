/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { DataPaths } from "../../../config/paths.ts";
import { readLogLines, readLogText } from "../../../lib/log-lines.ts";
import { LogPage } from "../../../views/backup/log-page.tsx";
import type { AppEnv } from "../../context.ts";
import { respondPage } from "../../html.ts";
import { pagePropsOf } from "../../viewer.ts";

/** How many lines the page shows at most, newest first. */
const PAGE_LINES = 500;

/** The Log page and the download of backup.log (administrators); one-time link tokens are hidden in both. */
export function logRoutes(deps: { paths: DataPaths }) {
  const app = new Hono<AppEnv>();

  app.get("/log", (c) => {
    c.header("Cache-Control", "no-store");
    const problemsOnly = c.req.query("level") === "problems";
    const { lines, matched } = readLogLines(deps.paths.log, { problemsOnly, limit: PAGE_LINES });
    return respondPage(
      c,
      <LogPage
        {...pagePropsOf(c)}
        lines={lines}
        matched={matched}
        problemsOnly={problemsOnly}
        logPath={deps.paths.log}
      />,
    );
  });

  app.get("/log/download", (c) =>
    c.body(readLogText(deps.paths.log), {
      headers: {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Disposition": 'attachment; filename="backup.log"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      },
    }),
  );

  return app;
}
