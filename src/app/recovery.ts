import { type AuditTrail, recordQuietly } from "../auth/audit.ts";
import type { BackupEngine } from "../backup/engine.ts";
import type { RestoreResult } from "../backup/types.ts";
import type { DatabaseHandle } from "../db/handle.ts";
import type { Log } from "../lib/log.ts";
import { newToken, sameSecret } from "../lib/tokens.ts";
import { emergencyRestoreWithFallback, restoreWithFallback } from "../offsite/restore.ts";
import type { OffsiteService } from "../offsite/service.ts";
import type { BackupScheduler } from "../scheduler/scheduler.ts";
import type { RecoveryPort } from "../web/deps.ts";

export interface RecoveryDeps {
  engine: BackupEngine;
  /** Where a backup that is missing or damaged here is restored from. */
  offsite: OffsiteService;
  scheduler: BackupScheduler;
  db: DatabaseHandle;
  log: Log;
  /** Where the restores of the recovery page are recorded (beside the database, so they stay). */
  audit: AuditTrail;
  /** `http://localhost:5000`: where the printed link points. */
  baseUrl: () => string;
}

/**
 * Recovery mode, entered and left here only: the main database would not open, failed its check,
 * or a restored file would not open. The app keeps serving a recovery page, reachable only with
 * a one-time token printed to the console and the log (the users who could sign in live in the
 * broken database); no automatic backup runs, so no healthy backup is rotated out.
 */
export class RecoveryController implements RecoveryPort {
  readonly #deps: RecoveryDeps;
  #reason: string | null = null;
  #token: string | null = null;

  constructor(deps: RecoveryDeps) {
    this.#deps = deps;
  }

  get active(): boolean {
    return this.#reason !== null;
  }

  get reason(): string | null {
    return this.#reason;
  }

  /** Compares in constant time, so the token cannot be guessed a character at a time. */
  accepts(token: string | null | undefined): boolean {
    return this.#token !== null && sameSecret(token, this.#token);
  }

  /**
   * Enters recovery mode: automatic backups stop, the database is closed, a new link is printed.
   * Returns the link's token.
   */
  enter(reason: string): string {
    const { db, log, scheduler } = this.#deps;
    scheduler.stop();
    try {
      db.close();
    } catch {
      // A database that cannot be checkpointed is closed all the same.
    }
    this.#reason = reason;
    this.#token = newToken();
    log.error(
      `The database cannot be used: ${reason}. The app runs in recovery mode; no backup is rotated out.`,
    );
    log.info(
      `Open this link once to restore a backup: ${this.#deps.baseUrl()}/recovery?token=${this.#token}`,
    );
    return this.#token;
  }

  async restore(name: string | null, by: string): Promise<RestoreResult> {
    const { scheduler, log, audit } = this.#deps;
    const action = name ? "backup: restore" : "backup: emergency restore";
    let result: RestoreResult;
    try {
      // A backup missing or damaged here comes from its off-site copy.
      result = name
        ? await restoreWithFallback(this.#deps, name, by)
        : await emergencyRestoreWithFallback(this.#deps, by);
    } catch (error) {
      recordQuietly(audit, { action, target: name, outcome: "failure", username: by });
      throw error;
    }
    recordQuietly(audit, { action, target: result.restoredFrom, outcome: "success", username: by });
    this.#reason = null;
    this.#token = null;
    scheduler.start();
    log.info("Recovery mode ended: the database was restored and the app works normally again");
    return result;
  }
}
