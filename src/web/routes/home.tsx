/** @jsxImportSource hono/jsx */
import { statSync } from "node:fs";
import { Hono } from "hono";
import type { BackupEngine } from "../../backup/engine.ts";
import type { RecoveryState } from "../../backup/recovery.ts";
import { countRowsInWorker } from "../../backup/worker-client.ts";
import type { DataPaths } from "../../config/paths.ts";
import type { BackupScheduler } from "../../scheduler/scheduler.ts";
import { HomePage } from "../../views/home.tsx";
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

export function homeRoutes(deps: {
  paths: DataPaths;
  version: string;
  engine: BackupEngine;
  scheduler: BackupScheduler;
  recovery: RecoveryState;
}) {
  return new Hono<AppEnv>().get("/", async (c) => {
    const { paths } = deps;
    return respondPage(
      c,
      <HomePage
        viewer={viewerOf(c)}
        version={deps.version}
        dataDir={paths.dataDir}
        databasePath={paths.database}
        databaseBytes={fileSize(paths.database) + fileSize(`${paths.database}-wal`)}
        tables={await countRowsInWorker({ path: paths.database })}
        status={collectStatus(deps)}
      />,
    );
  });
}
