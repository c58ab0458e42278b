import type { EngineContext } from "../context.ts";
import type { HealthRecord } from "../inspect/checks.ts";
import type { OperationRunner } from "./runner.ts";
import { checkLive } from "./verify.ts";

/** The live database's health as the status shows it: the last check, whoever made it. */
export class DatabaseHealth {
  readonly #ctx: EngineContext;
  readonly #operations: OperationRunner;
  current: HealthRecord | null = null;

  /** Records what a backup or restore found of the live database (bound: it is passed on). */
  readonly set = (found: HealthRecord | null): void => {
    this.current = found;
  };

  constructor(ctx: EngineContext, operations: OperationRunner) {
    this.#ctx = ctx;
    this.#operations = operations;
  }

  /**
   * `quick_check`, or the complete `integrity_check` when `full` ("Check now"), in the worker,
   * holding the operation lock (one such check at a time). Damage is logged.
   */
  check(full: boolean): Promise<HealthRecord> {
    return this.#operations.run("Database check failed", async () => {
      this.current = await checkLive(this.#ctx, full);
      return this.current;
    });
  }

  /**
   * `quick_check` without the operation lock, as background work (`BackgroundWork`): at start and
   * on the housekeeping's schedule. It starts only when no operation someone started runs, is
   * listed as running, and when someone starts one meanwhile what it found is not recorded (it
   * rejects with `BackgroundYieldedError`; that operation records the database's health itself,
   * and the next hour checks again). Its thread is not given up: it reads the live database,
   * whose reader must end by itself (a restore's close waits for it, bounded).
   */
  async refresh(): Promise<HealthRecord> {
    const checked: { found?: HealthRecord } = {};
    await this.#operations.background.run(
      { kind: "database-check", name: null },
      () => checkLive(this.#ctx, false),
      async (found) => {
        this.current = checked.found = found;
        return true;
      },
    );
    // Resolved only once recorded.
    return checked.found as HealthRecord;
  }
}
