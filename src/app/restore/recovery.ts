import { type AuditTrail, recordQuietly } from "../../auth/audit.ts";
import type { BackupEngine, RestoreResult } from "../../backup/index.ts";
import type { DatabaseErrorCode, DatabaseHandle } from "../../db/handle.ts";
import { AppError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import { newToken, sameSecret } from "../../lib/tokens.ts";
import type { OffsiteService } from "../../offsite/service.ts";
import type { DrillSchedule } from "../../scheduler/drills.ts";
import type { BackupScheduler } from "../../scheduler/scheduler.ts";
import type { RecoveryPort } from "../ports.ts";
import { databaseIsMissing } from "./missing-database.ts";
import { restoreBackup } from "./restore.ts";

export interface RecoveryDeps {
  engine: BackupEngine;
  /** Where a backup that is missing or damaged here is restored from. */
  offsite: OffsiteService;
  scheduler: BackupScheduler;
  /** The restore drills and the off-site drills. */
  drills: DrillSchedule[];
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
   * Enters recovery mode, for `reason` (a sentence: "The database file is missing. …", "The
   * database cannot be used: it would not open (…)."): automatic backups stop, the database is
   * closed, a new link is printed. Returns the link's token.
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
    log.error(`${reason} The app runs in recovery mode; no backup is rotated out.`);
    log.info(
      `Open this link once to restore a backup: ${this.#deps.baseUrl()}/recovery?token=${this.#token}`,
    );
    return this.#token;
  }

  /** True in recovery mode for a missing database: starting with an empty one is offered then. */
  get canStartEmpty(): boolean {
    return this.active && databaseIsMissing(this.#deps.db.path);
  }

  /**
   * Starts with an empty database on purpose (the database file is missing): a new database is
   * made, with an identity of its own, every backup is kept, and recovery mode ends. Throws
   * `StartEmptyRefusedError` when the database file is not missing (any more).
   */
  startEmpty(by: string): void {
    const { db, log, audit } = this.#deps;
    if (!this.canStartEmpty) throw new StartEmptyRefusedError();
    db.open();
    log.warning(`Started with an empty database, as asked on the recovery page; every backup is kept`);
    recordQuietly(audit, { action: "database: start empty", target: null, outcome: "success", username: by });
    this.#leave();
  }

  /** Restores `name`, or (null) the newest good backup, only if it is `expected` when given. */
  async restore(name: string | null, by: string, expected: string | null = null): Promise<RestoreResult> {
    const { log, audit } = this.#deps;
    const action = name ? "backup: restore" : "backup: emergency restore";
    let result: RestoreResult;
    try {
      // A backup missing or damaged here comes from its off-site copy.
      result = await restoreBackup(this.#deps, { name, by, expected });
    } catch (error) {
      recordQuietly(audit, { action, target: name, outcome: "failure", username: by });
      throw error;
    }
    recordQuietly(audit, { action, target: result.restoredFrom, outcome: "success", username: by });
    this.#leave();
    log.info("Recovery mode ended: the database was restored and the app works normally again");
    return result;
  }

  /** Out of recovery mode: the link stops working, automatic backups and drills start again. */
  #leave(): void {
    this.#reason = null;
    this.#token = null;
    this.#deps.scheduler.start();
    for (const drills of this.#deps.drills) drills.start();
  }
}

/** Starting with an empty database was asked while the database file is there: it is never replaced. */
export class StartEmptyRefusedError extends AppError<DatabaseErrorCode> {
  constructor() {
    super(
      "db.present",
      "The database file is there: the app starts with an empty database only when the file is missing.",
    );
  }
}
