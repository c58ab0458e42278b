import type { Context } from "hono";
import { restoreToPoint } from "../../../app/restore/point-restore.ts";
import { restoreBackup } from "../../../app/restore/restore.ts";
import type { Auth } from "../../../auth/auth.ts";
import type { BackupEngine } from "../../../backup/index.ts";
import type { Log } from "../../../lib/log.ts";
import type { OffsiteService } from "../../../offsite/service.ts";
import { audited, recordAudit } from "../../audit.ts";
import type { AppEnv } from "../../context.ts";
import type { SettingsPort } from "../../deps.ts";
import { receiveUpload } from "../../forms/upload.ts";
import { viewerOf } from "../../viewer.ts";

/**
 * The backup operations a person starts from the web, each in one place: it takes the input the
 * route has read, runs one engine operation on behalf of the signed-in person and writes its
 * outcome to the audit trail. The page and the JSON API call the same operation and differ only
 * in how they answer; failures are the engine's typed errors, answered by the error handler.
 * Each engine call starts before the first `await`, so a backup holds the lock once `create` returns.
 */
export function backupOperations(deps: {
  engine: BackupEngine;
  auth: Auth;
  settings: SettingsPort;
  offsite: OffsiteService;
  log: Log;
}) {
  const { engine, auth } = deps;
  const by = (c: Context<AppEnv>) => viewerOf(c).username;
  // A restore from an off-site copy brings the trail's entries back too.
  const restoreDeps = { ...deps, audit: auth.audit };

  return {
    /** A manual backup, counted against the person's hourly limit. */
    create: (c: Context<AppEnv>, description: string) =>
      audited(c, auth, "backup: create", null, () =>
        engine.createBackup({
          kind: "manual",
          description: description.trim(),
          createdBy: by(c),
          rateLimited: true,
        }),
      ),

    /** The backup here, or its off-site copy when it is missing or damaged here. */
    restore: (c: Context<AppEnv>, name: string) =>
      audited(c, auth, "backup: restore", name, () => restoreBackup(restoreDeps, { name, by: by(c) })),

    /** The newest good backup, here or off-site; with `expected`, only if it is still that one. */
    emergencyRestore: (c: Context<AppEnv>, expected: string | null = null) =>
      audited(c, auth, "backup: emergency restore", expected, () =>
        restoreBackup(restoreDeps, { name: null, by: by(c), expected }),
      ),

    /** The database as it was at `at` (continuous protection), rebuilt and restored (`restoreToPoint`). */
    restoreAt: (c: Context<AppEnv>, at: Date) =>
      audited(c, auth, "backup: restore", `point in time ${at.toISOString()}`, () =>
        restoreToPoint(deps, { at, by: by(c), now: c.get("clock")() }),
      ),

    delete: (c: Context<AppEnv>, name: string) =>
      audited(c, auth, "backup: delete", name, () => engine.deleteBackup(name, { by: by(c) })),

    /** Streams the request's file in, then takes it into the list after the full check. */
    async upload(c: Context<AppEnv>) {
      const file = await receiveUpload(c, deps);
      return audited(c, auth, "backup: upload", file.originalName, () =>
        engine.importUpload({ ...file, by: by(c) }),
      );
    },

    /** A restore drill now ("Test a restore now"), in the audit trail as passed (success) or failed. */
    drill: async (c: Context<AppEnv>) => {
      const result = await engine.drills.run().catch((error) => {
        recordAudit(c, auth, { action: "backup: drill", target: null, outcome: "failure" });
        throw error;
      });
      const outcome = result.ok ? "success" : "failure";
      recordAudit(c, auth, { action: "backup: drill", target: result.backup, outcome });
      return result;
    },

    /** The full `integrity_check` of the live database ("Check now"). */
    check: () => engine.health.check(true),
  };
}

export type BackupOperations = ReturnType<typeof backupOperations>;
