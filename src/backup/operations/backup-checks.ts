import type { ManifestRecord } from "../catalog/manifest.ts";
import type { EngineContext } from "../context.ts";
import type { BackgroundPiece } from "./background.ts";
import { checkUncheckedLater, checkUnprovenLater, type FollowUps } from "./follow-ups.ts";
import { checkAndRecord, type MadeCheck, verifyRecords, verifyUnchecked } from "./verify.ts";

/**
 * The full checks of backups, as the engine offers them: asked for ("check now", `verify`), after
 * a command-line backup (`checkMade`), and in the background beside a serving app — where they
 * make way for every operation someone starts (`BackgroundWork`), which `running` shows.
 */
export class BackupChecks {
  readonly #ctx: EngineContext;
  readonly #followUps: FollowUps | null;

  constructor(ctx: EngineContext, followUps: FollowUps | null) {
    this.#ctx = ctx;
    this.#followUps = followUps;
  }

  /**
   * Full check (`integrity_check`, the trust rule, the recorded SHA-256) of the named backups,
   * or of all, under one hold of the lock; records each result in the manifest and logs each
   * failure. `onCheck` hears of each backup as its check starts. Returns the records.
   */
  verify(names?: string[], onCheck?: Parameters<typeof verifyRecords>[2]): Promise<ManifestRecord[]> {
    return this.#ctx.operations.run("Verification failed", () => verifyRecords(this.#ctx, names, onCheck));
  }

  /**
   * Checks backups seen for the first time (copied in by hand): beside a serving app in the
   * background (`checkUncheckedLater`, each once however often this is called); at the command
   * line at once under the lock, quietly skipped while busy.
   */
  async verifyNew(): Promise<void> {
    if (!this.#ctx.folder.list().some((r) => r.health === "unchecked")) return;
    if (this.#followUps) checkUncheckedLater(this.#followUps, this.#ctx);
    else
      await this.#ctx.operations.runIfFree("Checking new backup files failed", () =>
        verifyUnchecked(this.#ctx),
      );
  }

  /**
   * The full check of a backup just made (`checkAndRecord`): a command-line `backup` waits for it,
   * so that a restore of its backup needs no second check. Returns what the check found and the
   * backup as listed then.
   */
  checkMade(record: ManifestRecord): Promise<MadeCheck> {
    return checkAndRecord(this.#ctx, record);
  }

  /** Beside a serving app, the full check of each backup without a passed one, in the background (`checkUnprovenLater`). */
  checkUnprovenLater(): void {
    if (this.#followUps) checkUnprovenLater(this.#followUps, this.#ctx);
  }

  /**
   * `listener` hears of each operation someone starts (`BackgroundWork.onPause`), with a promise
   * that resolves once it has ended: other background work makes way for it too.
   */
  onOperation(listener: (ended: Promise<void>) => void): void {
    this.#ctx.operations.background.onPause(listener);
  }

  /** The background work running now (the checks, tidying), oldest first. */
  running(): BackgroundPiece[] {
    return this.#ctx.operations.background.list();
  }
}
