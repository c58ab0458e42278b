/** @jsxImportSource hono/jsx */
import { statSync } from "node:fs";
import { Hono } from "hono";
import type { DataPaths } from "../../config/paths.ts";
import type { DatabaseHandle } from "../../db/handle.ts";
import { HomePage } from "../../views/home.tsx";
import type { AppEnv } from "../context.ts";
import { respondPage } from "../html.ts";
import { viewerOf } from "../viewer.ts";
import { databaseAnswers } from "./health.ts";

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function homeRoutes(deps: { db: DatabaseHandle; paths: DataPaths; version: string }) {
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
        databaseOk={databaseAnswers(deps.db)}
        backupsDir={paths.backupsDir}
      />,
    );
  });
}
