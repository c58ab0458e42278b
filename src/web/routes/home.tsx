/** @jsxImportSource hono/jsx */
import { statSync } from "node:fs";
import { Hono } from "hono";
import type { BackupEngine } from "../../backup/engine.ts";
import type { RecoveryState } from "../../backup/recovery.ts";
import type { DataPaths } from "../../config/paths.ts";
import type { DatabaseHandle } from "../../db/handle.ts";
import type { BackupScheduler } from "../../scheduler/scheduler.ts";
import { HomePage, type TableCount } from "../../views/home.tsx";
import type { AppEnv } from "../context.ts";
import { respondPage } from "../html.ts";
import { collectStatus } from "../status.ts";
import { viewerOf } from "../viewer.ts";

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The tables of the database (not SQLite's or the migrator's own) with their row counts. */
function countRows(db: DatabaseHandle): TableCount[] {
  const names = db.sqlite
    .query<{ name: string }, []>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name",
    )
    .all()
    .map((r) => r.name);
  return names.map((name) => ({
    name,
    rows: (
      db.sqlite.query(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as { n: number }
    ).n,
  }));
}

export function homeRoutes(deps: {
  db: DatabaseHandle;
  paths: DataPaths;
  version: string;
  engine: BackupEngine;
  scheduler: BackupScheduler;
  recovery: RecoveryState;
}) {
  return new Hono<AppEnv>().get("/", (c) => {
    const { paths } = deps;
    return respondPage(
      c,
      <HomePage
        viewer={viewerOf(c)}
        version={deps.version}
        dataDir={paths.dataDir}
        databasePath={paths.database}
        databaseBytes={fileSize(paths.database) + fileSize(`${paths.database}-wal`)}
        tables={countRows(deps.db)}
        status={collectStatus(deps)}
      />,
    );
  });
}
