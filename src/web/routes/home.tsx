/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { PassphraseKeeper } from "../../app/settings/passphrase.ts";
import type { Auth } from "../../auth/auth.ts";
import type { BackupEngine } from "../../backup/index.ts";
import type { DataPaths } from "../../config/paths.ts";
import type { BackupScheduler } from "../../scheduler/scheduler.ts";
import { HomePage } from "../../views/home/home.tsx";
import type { AppEnv } from "../context.ts";
import type { RecoveryPort } from "../deps.ts";
import { respondPage } from "../html.ts";
import { collectStatus, type StatusDeps } from "../status.ts";
import { pagePropsOf } from "../viewer.ts";

/** The dashboard: the database's size, tables and health, the latest and the next backup. */
export function homeRoutes(
  deps: StatusDeps & {
    paths: DataPaths;
    version: string;
    engine: BackupEngine;
    scheduler: BackupScheduler;
    recovery: RecoveryPort;
    auth: Auth;
    passphrase: PassphraseKeeper;
  },
) {
  return new Hono<AppEnv>().get("/", async (c) => {
    const { paths } = deps;
    return respondPage(
      c,
      <HomePage
        {...pagePropsOf(c)}
        version={deps.version}
        dataDir={paths.dataDir}
        databasePath={paths.database}
        databaseBytes={deps.engine.databaseBytes()}
        tables={await deps.engine.countRows()}
        auditEntries={deps.auth.audit.count()}
        status={collectStatus(deps)}
        passphrase={deps.passphrase.status()}
      />,
    );
  });
}
