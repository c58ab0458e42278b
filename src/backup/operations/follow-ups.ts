import { describeError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import { type ManifestRecord, passedFullCheck } from "../catalog/manifest.ts";
import { applyRetentionQuietly } from "../catalog/removals.ts";
import type { RetentionLimits } from "../catalog/retention.ts";
import type { EngineContext } from "../context.ts";
import type { HealthRecord } from "../inspect/checks.ts";
import { checkLiveInWorker } from "../inspect/worker-client.ts";
import { type BackgroundKind, BackgroundYieldedError } from "./background.ts";
import type { RestoreOutcome } from "./restore.ts";
import type { OperationRunner } from "./runner.ts";
import { inspectRecord, recordInspection } from "./verify.ts";

/** How often, and how many times, a step waits for another process's operation to end. */
const RETRY_MS = 1000;
const TRIES = 600;
/** How many operations one piece of background work makes way for before it is given up (logged). */
const YIELDS = 1000;

/** Runs `fn` holding the operation lock, as soon as it is free. */
export type UnderLock = (fn: () => Promise<void>) => Promise<void>;

/**
 * Work that follows an operation once the app answers again — checks nobody should wait for
 * (the full check of a new backup, the check of a restore's safety backup and of the restored
 * database). One task at a time, in order. A task reads files without the operation lock, so a
 * backup or restore someone starts meanwhile is never told "busy" because of it; it takes the
 * lock only to record what it found (`underLock`), after whatever runs then. A piece of such work
 * (`addPiece`) stops when someone starts an operation (`BackgroundWork`) and runs again after it.
 */
export class FollowUps {
  readonly #operations: OperationRunner;
  readonly #log: Log;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  /** The backups (name and time made) whose full check is queued or running: one check of each at a time. */
  readonly #checking = new Set<string>();

  constructor(operations: OperationRunner, log: Log) {
    this.#operations = operations;
    this.#log = log;
  }

  /** Queues `task`; a failure is logged as a WARNING under `label`, never thrown. */
  add(label: string, task: (underLock: UnderLock) => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#stopped) return;
      try {
        await task((fn) => this.#whenFree(label, fn));
      } catch (error) {
        // Once the app stops, what ended with it (a check's process killed) is no failure.
        if (!this.#stopped) this.#log.warning(`${label} failed: ${describeError(error)}`);
      }
    });
  }

  /**
   * Queues a piece of background work (`BackgroundWork.run`): `work` without the lock, then
   * `record` with its result, whose `underLock` does nothing once an operation someone started
   * stopped the piece. A piece that made way for an operation runs again, whole, once that
   * operation has ended, before the tasks queued after it.
   */
  addPiece<R>(
    label: string,
    what: { kind: BackgroundKind; name: string | null },
    work: (signal: AbortSignal) => Promise<R>,
    record: (result: R, underLock: UnderLock) => Promise<void>,
  ): void {
    this.add(label, async (underLock) => {
      for (let yields = 0; ; yields++) {
        try {
          await this.#operations.background.run(what, work, async (result, signal) => {
            let madeWay = false;
            await record(result, (fn) =>
              underLock(async () => {
                // Checked under the lock: what a stopped piece found is never recorded.
                if (signal.aborted) madeWay = true;
                else await fn();
              }),
            );
            return !madeWay;
          });
          return;
        } catch (error) {
          if (!(error instanceof BackgroundYieldedError) || yields >= YIELDS) throw error;
          if (this.#stopped) return;
        }
      }
    });
  }

  /**
   * Queues the full check of the backup `of` (`addPiece`), unless one of the same file (its name
   * and when it was made: the next startup backup has the same name) is queued or running already;
   * true when queued.
   */
  addCheck<R>(
    of: Pick<ManifestRecord, "name" | "createdAt">,
    work: (signal: AbortSignal) => Promise<R>,
    record: (result: R, underLock: UnderLock) => Promise<void>,
  ): boolean {
    const key = `${of.name} ${of.createdAt}`;
    if (this.#checking.has(key)) return false;
    this.#checking.add(key);
    this.addPiece(`The full check of ${of.name}`, { kind: "backup-check", name: of.name }, work, record);
    this.#chain = this.#chain.finally(() => this.#checking.delete(key));
    return true;
  }

  /**
   * When the app stops: no task starts from now, and none takes the lock any more (what a task
   * was about to record is found again later: a backup without a recorded full check gets one
   * when it is restored). Work holding the lock now ends as the engine's `idle()` says.
   */
  stop(): void {
    this.#stopped = true;
  }

  /** Resolves once every queued task has run, those that tasks queued too. */
  async settled(): Promise<void> {
    let chain: Promise<void>;
    do {
      chain = this.#chain;
      await chain;
    } while (chain !== this.#chain);
  }

  async #whenFree(label: string, fn: () => Promise<void>): Promise<void> {
    for (let tries = 0; tries < TRIES; tries++) {
      await this.#operations.idle();
      if (this.#stopped) return;
      const done = await this.#operations.runIfFree(
        `${label} failed`,
        async () => {
          await fn();
          return true;
        },
        { background: true },
      );
      if (done) return;
      // Another process holds the lock (a command-line backup): look again in a second.
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    throw new Error(`another process kept the backups busy for ${(TRIES * RETRY_MS) / 60_000} minutes`);
  }
}

/** What the checks after a backup or restore need of the engine. */
type CheckContext = Pick<EngineContext, "database" | "folder" | "clock" | "log" | "retentionFacts">;

/**
 * After a new backup, in the background: retention (removing a large old file takes a while),
 * then the backup's full check, recorded (`fullCheck`), so that restoring it needs no second one.
 */
export function tidyAndCheckLater(
  followUps: FollowUps,
  ctx: CheckContext,
  record: ManifestRecord,
  retention: () => RetentionLimits,
): void {
  tidyLater(followUps, "Removing old backups", () =>
    applyRetentionQuietly(ctx.folder, { limits: retention(), facts: ctx.retentionFacts() }),
  );
  checkLater(followUps, ctx, record);
}

/** Short work under the lock in the background (removing old backups), as a piece of its own. */
export function tidyLater(followUps: FollowUps, label: string, fn: () => Promise<void>): void {
  followUps.addPiece(
    label,
    { kind: "tidy", name: null },
    async () => null,
    (_, underLock) => underLock(fn),
  );
}

/**
 * The full check of `record` in the background (its worker given up when someone starts an
 * operation, and made again after it), recorded (`fullCheck`) when the lock is free — only while
 * the verdict it started from stands (`recordInspection`).
 */
export function checkLater(followUps: FollowUps, ctx: CheckContext, record: ManifestRecord): void {
  followUps.addCheck(
    record,
    (signal) => inspectRecord(ctx, record, signal),
    (inspected, underLock) => underLock(() => recordInspection(ctx, inspected, record)),
  );
}

/**
 * In the background, the full check of each backup listed without a passed one and not known
 * damaged: one a command-line `backup` could not record (stopped during its check, or another
 * process held the lock), one made before full checks were recorded, one whose file changed
 * since. Each is then restored without a second full check under the lock.
 */
export function checkUnprovenLater(followUps: FollowUps, ctx: CheckContext): void {
  // Listed when the tasks queued before it have run: a new backup's own check is not made twice.
  followUps.add("The full check of backups without one", async () => {
    for (const record of ctx.folder.list())
      if (record.health !== "damaged" && !passedFullCheck(record)) checkLater(followUps, ctx, record);
  });
}

/** In the background, the full check of each backup listed unchecked (seen for the first time). */
export function checkUncheckedLater(followUps: FollowUps, ctx: CheckContext): void {
  for (const record of ctx.folder.list())
    if (record.health === "unchecked") checkLater(followUps, ctx, record);
}

/**
 * After a restore: the restored database's `quick_check` (its health), and the full check of the
 * safety backup kept unchecked — with `followUps` in the background (the app serves again at
 * once). At the command line (no `followUps`) only what cannot wait runs, with its own connection
 * `handle` open until then (so closing it last removes the -wal a check could not): the restored
 * database's check, unless its bytes are those of the backup's full check (`outcome.asChecked`);
 * the safety backup stays listed unchecked, and the app checks it when it next starts (as any
 * backup it has not seen checked; `list` and `verify` do too).
 */
export async function checkAfterRestore(
  ctx: CheckContext,
  outcome: RestoreOutcome,
  setHealth: (health: HealthRecord) => void,
  followUps: FollowUps | null,
): Promise<void> {
  const checkDatabase = async () => {
    const found = await checkLiveInWorker({ path: ctx.database, full: false });
    if (!found.ok) ctx.log.error(`The restored database failed its check: ${found.reason}`);
    setHealth({ ...found, checkedAt: ctx.clock().toISOString(), full: false });
  };
  const safety = outcome.unchecked;
  if (followUps) {
    if (outcome.asChecked) {
      // The bytes in place are those that passed the backup's full check (hashed as copied): no
      // reader of the live database is needed, and none keeps the next restore's close waiting.
      setHealth({ ok: true, reason: null, checkedAt: ctx.clock().toISOString(), full: true });
    } else
      followUps.addPiece(
        "The check of the restored database",
        { kind: "database-check", name: null },
        // Not given up when stopped: its thread holds the live database, whose reader must end
        // by itself; what it found is then dropped and the check made again.
        () => checkLiveInWorker({ path: ctx.database, full: false }),
        async (found) => {
          if (!found.ok) ctx.log.error(`The restored database failed its check: ${found.reason}`);
          setHealth({ ...found, checkedAt: ctx.clock().toISOString(), full: false });
        },
      );
    if (safety) checkLater(followUps, ctx, safety);
    return;
  }
  try {
    if (!outcome.asChecked) await checkDatabase();
  } finally {
    outcome.handle?.close();
  }
}
