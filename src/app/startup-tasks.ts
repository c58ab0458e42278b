import type { App } from "../app.ts";
import { BackupBusyError, DatabaseDamagedError } from "../backup/index.ts";

/**
 * What a serving app does once at start, in the background: waits for its first answer, then the
 * startup backup (or the database's quick check) and the checks of backups that need one.
 */

/** How long the startup backup waits for the server's first answer at most. */
export const FIRST_ANSWER_WAIT_MS = 500;
/** After the first answer, a beat for the runtime to write it out before the thread is busy. */
const AFTER_ANSWER_MS = 20;

/** Resolves once `firstAnswer` has resolved and a beat passed, `waitMs` from now, or once `now` resolves. */
export function answeredOrLater(
  firstAnswer: Promise<unknown> | undefined,
  waitMs: number,
  now: Promise<void>,
): Promise<void> {
  if (!firstAnswer) return Promise.resolve();
  const timers: ReturnType<typeof setTimeout>[] = [];
  const after = (ms: number) => new Promise<void>((resolve) => timers.push(setTimeout(resolve, ms)));
  return Promise.race([firstAnswer.then(() => after(AFTER_ANSWER_MS)), after(waitMs), now]).finally(() => {
    for (const timer of timers) clearTimeout(timer);
  });
}

/**
 * The startup backup (or, without one, a quick check), then the check of new backup files, and in
 * the background the full check of backups without one (`checkUnprovenLater`). A
 * database that holds no rows takes no startup backup where startup backups exist already: an
 * empty database (a new start on purpose) is not a backup worth a place among them.
 * `holdBackground` is called once, when the background work from then on is to wait (before the
 * startup backup, or after the quick check, which is background work itself).
 */
export async function runStartupTasks(app: App, holdBackground: () => void): Promise<void> {
  const { engine } = app;
  let held = false;
  const hold = () => {
    if (!held) holdBackground();
    held = true;
  };
  try {
    const emptyAmongStartups = isEmptyAmongStartups(app);
    if (app.settings.current.settings.startup_backup && !emptyAmongStartups) {
      // Before the backup: its full check, queued when it is made, waits.
      hold();
      await startupBackup(app);
    } else {
      if (emptyAmongStartups)
        app.log.info(
          "No startup backup: the database holds no rows, and the startup backups there stay as they are",
        );
      const health = await engine.health.refresh();
      if (!health.ok && !health.busy)
        app.recovery.enter(`The database cannot be used: it failed its check (${health.reason}).`);
    }
  } catch (error) {
    if (error instanceof DatabaseDamagedError)
      app.recovery.enter(`The database cannot be used: it is damaged (${error.reason}).`);
    // Any other failure is in the log and the status; the app goes on serving.
  }
  // After the quick check above, which is background work itself.
  hold();
  await engine.checks.verifyNew().catch(() => {});
  engine.checks.checkUnprovenLater();
}

/** How often the startup backup is tried while another operation holds the lock, and how long apart. */
const BUSY_TRIES = 5;
const BUSY_PAUSE_MS = 1000;

/**
 * The startup backup; when an operation someone started in the moment before it (it begins after
 * the first answer) holds the lock, made once that one has ended — tried a few times, a second
 * apart, when the holder is another process.
 */
async function startupBackup(app: App): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await app.engine.createBackup({ kind: "startup", createdBy: "startup" });
      return;
    } catch (error) {
      if (!(error instanceof BackupBusyError) || tries >= BUSY_TRIES) throw error;
      await app.engine.idle();
      await new Promise((resolve) => setTimeout(resolve, BUSY_PAUSE_MS));
    }
  }
}

/** True when the open database holds no rows and startup backups exist (false when it cannot tell). */
function isEmptyAmongStartups(app: App): boolean {
  try {
    return app.engine.holdsNoRows() && app.engine.list().some((r) => r.kind === "startup");
  } catch {
    return false; // A database that fails to read is the startup backup's (and its check's) to find.
  }
}
