import type { App } from "../app.ts";
import { pruneAuditTrail } from "../auth/audit.ts";
import { setupLinkLine } from "../auth/setup.ts";
import { DatabaseDamagedError } from "../backup/index.ts";
import { protectSecrets, removeSaveLeftovers } from "../config/settings-store.ts";
import { DatabaseClosedError } from "../db/handle.ts";
import { DatabaseTooNewError } from "../db/migration-state.ts";
import { describeError } from "../lib/errors.ts";
import { savesSettled } from "../lib/files/fs-sync.ts";
import { consoleUrl } from "./console-url.ts";
import { databaseIsMissing, missingDatabase } from "./restore/missing-database.ts";
import { auditRetention } from "./settings/options.ts";
import { answeredOrLater, FIRST_ANSWER_WAIT_MS, runStartupTasks } from "./startup-tasks.ts";
import { backUpBeforeUpdate } from "./upgrade.ts";

const HOUR_MS = 3600_000;

/** A serving app's background work, started by `startServices`. */
export interface RunningServices {
  /**
   * Stops automatic backups and housekeeping, lets a running operation finish (or gives it up
   * when `hurry`: Windows closes an app within seconds), checkpoints and closes the database.
   */
  stop(options?: { hurry?: boolean }): Promise<void>;
  /** Where a person starts: the first-run setup link while there are no users, the app otherwise. */
  readonly startUrl: string;
}

/**
 * Opens the database of a serving app: leftovers of a crashed operation removed; a database file
 * that is missing (or empty) while good backups exist is never replaced by an empty one
 * (`missingDatabase`: the app runs in recovery mode, unless `newDatabase` says to start empty on
 * purpose); a database of an older version backed up (`backUpBeforeUpdate`), the database opened
 * and migrated, its users counted (a damaged file often opens and fails at the first read).
 * Returns why it cannot be used, in words (the app then runs in recovery mode), or null. Throws
 * when the app must not start: a database of a newer version (`DatabaseTooNewError`), a failed
 * backup before an update (`UpdateBackupFailedError`); both logged, the database unchanged.
 */
export async function openDatabase(
  app: App,
  options: { newDatabase?: boolean } = {},
): Promise<string | null> {
  app.log.info(
    `Application starting: BusinessApp ${app.version}, pid ${process.pid}, data folder ${app.paths.dataDir}`,
  );
  await app.engine.cleanupLeftovers();
  removeSaveLeftovers(app.settings.current.configFile, app.log);
  protectSecrets(app.settings.current.configFile, app.log);
  if (options.newDatabase) {
    if (databaseIsMissing(app.paths.database))
      app.log.warning("Starting with an empty database, as asked (--new-database); every backup is kept");
  } else {
    const missing = await missingDatabase(app);
    if (missing) return missing.sentence;
  }
  try {
    await backUpBeforeUpdate(app);
  } catch (error) {
    if (error instanceof DatabaseDamagedError) return `The database cannot be used: ${error.message}.`;
    throw error;
  }
  try {
    app.db.open();
    app.auth.users.count();
    return null;
  } catch (error) {
    if (error instanceof DatabaseTooNewError) throw error;
    return `The database cannot be used: it would not open (${describeError(error)}).`;
  }
}

/**
 * Starts the services once the app answers: recovery mode when the database would not open;
 * otherwise the first-run link (no users yet), housekeeping now and every hour (with a quick
 * check of the database), automatic backups, and in the background the startup backup (which checks
 * the database: damage found there enters recovery mode), the check of files seen for the first
 * time, and then off-site copies; with continuous protection on, that background work waits until
 * its first chain is in place. With `firstAnswer` (the server's), the startup backup begins once
 * the server has answered its first request, or `FIRST_ANSWER_WAIT_MS` after it began to listen:
 * the backup's start (its worker thread, the folder's listing, the snapshot's first steps) keeps
 * the app's thread busy for a moment — 40–100 ms under Deno — and the person who just started
 * the app, or the browser it opened, is answered first.
 */
export function startServices(
  app: App,
  openError: string | null,
  options: { firstAnswer?: Promise<unknown>; firstAnswerWaitMs?: number } = {},
): RunningServices {
  const { settings } = app.config;
  let startUrl = consoleUrl(settings.host, settings.port);
  let stopping = false;
  // A stop asked while the startup backup waits for the first answer begins it at once: a stop
  // waits for the startup backup, as it always did.
  let beginNow = () => {};
  const stopAsked = new Promise<void>((resolve) => {
    beginNow = resolve;
  });
  let startupBegun: Promise<void> = Promise.resolve();
  // A stop in a hurry gives a running backup up: one not begun yet is not begun.
  let skipStartup = false;
  const continuousProtection = startContinuous(app);
  // Off-site copies in the background make way for a backup or restore someone starts, as the checks do.
  app.engine.checks.onOperation((ended) => app.offsite.makeWay(ended));
  if (openError) {
    app.recovery.enter(openError);
  } else {
    if (app.auth.users.count() === 0) {
      startUrl = `${startUrl}/setup?token=${app.auth.setup.issue()}`;
      app.log.info(setupLinkLine(startUrl));
    }
    sweepDatabase(app);
    app.scheduler.start();
    app.drills.start();
    app.placeDrills.start();
    // Off-site copies start once the startup backup is made: one run then copies it and whatever
    // else is missing, not a run beside the backup and another after it. So does continuous
    // protection (its base is read then). Its first base goes before the background work (the
    // startup backup's full check, the checks of new files, that off-site run): two readers of the
    // whole database at once slow both.
    let resumeBackground = () => {};
    const holdBackground = () => {
      if (continuousProtection.enabled) resumeBackground = app.engine.background.pause();
    };
    startupBegun = answeredOrLater(
      options.firstAnswer,
      options.firstAnswerWaitMs ?? FIRST_ANSWER_WAIT_MS,
      stopAsked,
    );
    void startupBegun
      .then(() => (skipStartup ? undefined : runStartupTasks(app, holdBackground)))
      .finally(() => {
        if (stopping) return resumeBackground();
        app.offsite.start();
        void continuousProtection.begin().finally(() => resumeBackground());
      });
  }
  // In recovery mode it begins at once: it starts once a restore brought a database back.
  if (openError) void continuousProtection.begin();
  app.alerts.start();
  app.weeklySummary.start();
  // In recovery mode there is no startup backup: what is missing off-site is copied now.
  if (openError) app.offsite.start();
  const sweeper = setInterval(() => {
    sweepDatabase(app);
    // The live database's own check, on a schedule of its own: backups no longer wait for it.
    if (!app.recovery.active) void app.engine.health.refresh().catch(() => {});
  }, HOUR_MS);
  sweeper.unref();
  return {
    startUrl,
    async stop(options = {}) {
      stopping = true;
      skipStartup = options.hurry === true;
      beginNow();
      // Begun (its backup holds the operation lock) before anything below waits for the engine.
      await startupBegun;
      continuousProtection.stop();
      app.scheduler.stop();
      app.drills.stop();
      app.placeDrills.stop();
      app.alerts.stop();
      app.weeklySummary.stop();
      clearInterval(sweeper);
      app.engine.stopFollowUps();
      if (options.hurry) app.engine.abandon();
      // A copy on its way is given up: it leaves nothing listed, and the next start copies it again.
      await Promise.all([app.engine.idle(), app.offsite.stop()]);
      sweepDatabase(app, { final: true });
      try {
        app.db.close({ hurry: options.hurry ?? false });
        app.auth.audit.close();
      } catch (error) {
        app.log.error(`Closing the database failed: ${describeError(error)}`);
      }
      // The changes read at the close go off the PC too (briefly; the next start sends the rest).
      await app.shipping.stop({ hurry: options.hurry ?? false });
      // The small files saved off the thread (the alerts, the manifest) are whole before it ends:
      // the alerts' own queue first (a save it holds back is not asked for yet).
      await app.alerts.saved();
      await savesSettled();
    },
  };
}

/**
 * Continuous protection (`continuous_protection`), for as long as the app serves: it captures
 * while the database is open, stops before every close (a restore's swap) and starts again after
 * every open (in recovery mode, once a restore brought a database back). Returns how to stop it.
 */
function startContinuous(app: App): { enabled: boolean; begin(): Promise<void>; stop(): void } {
  const { db, continuous } = app;
  if (!app.settings.current.settings.continuous_protection)
    return { enabled: false, begin: () => Promise.resolve(), stop() {} };
  let serving = true;
  let begun = false;
  // It stops by itself before every close (`ContinuousCapture`); it starts again after every open.
  db.onOpen(() => {
    // After the open has finished (the listener runs inside it).
    setTimeout(() => {
      if (serving && begun && db.isOpen) void continuous.start();
    }, 0);
  });
  return {
    enabled: true,
    // Once the startup backup is made: its base is read then, not beside it (a start stays quick).
    // Resolves once that start has its chain (or failed: it tries again later).
    async begin() {
      if (!serving) return;
      begun = true;
      const started = db.isOpen ? continuous.start() : Promise.resolve();
      app.shipping.start();
      await started;
    },
    // The last changes are read when the database closes (`beforeClose`), not before.
    stop() {
      serving = false;
    },
  };
}

/**
 * Housekeeping of the database: expired sessions, the audit retention, and the summary rows of
 * refusals still counted (all of them when `final`). While the database is closed (a restore,
 * recovery mode) there is nothing to do.
 */
function sweepDatabase(app: App, options: { final?: boolean } = {}): void {
  const { auth, log } = app;
  try {
    auth.sessions.sweep();
    auth.audit.flushRefusals({ all: options.final ?? false });
    pruneAuditTrail(auth.audit, auditRetention(app.settings.current.settings), log);
  } catch (error) {
    if (!(error instanceof DatabaseClosedError))
      log.warning(`Database housekeeping failed: ${describeError(error)}`);
  }
}
