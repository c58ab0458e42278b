import { type DrillResult, readDrillResult } from "./catalog/drill-record.ts";
import type { ManifestRecord } from "./catalog/manifest.ts";
import type { BackupEngineOptions, EngineContext } from "./context.ts";
import { type Finding as DrillFinding, drillBroughtCopy, runDrill } from "./operations/drill.ts";
import type { OperationRunner } from "./operations/runner.ts";
import { scheduledDrill } from "./operations/scheduled-drill.ts";

/** The engine's restore drills (`BackupEngine.drills`): run by someone, by the schedule, of an off-site copy, and the last one. */
export class EngineDrills {
  readonly #ctx: EngineContext;
  readonly #operations: OperationRunner;
  readonly #migrations: BackupEngineOptions["migrations"];

  constructor(ctx: EngineContext, migrations: BackupEngineOptions["migrations"]) {
    this.#ctx = ctx;
    this.#operations = ctx.operations;
    this.#migrations = migrations;
  }

  /** A restore drill (`runDrill`); resolves with its result, kept as the last drill; throws only `BackupBusyError`. */
  run(): Promise<DrillResult> {
    return this.#operations.run("Restore drill failed", () => runDrill(this.#ctx, this.#migrations));
  }

  /** A restore drill the schedule starts: background work that makes way (`scheduledDrill`); null when nothing was recorded. */
  scheduled(): Promise<DrillResult | null> {
    return scheduledDrill(this.#ctx, this.#migrations);
  }

  /**
   * A restore drill of a backup that is not in the list: an off-site copy downloaded to the hidden
   * temporary file `path` (`drillBroughtCopy`: the full check and the counts `record` carries).
   * Takes no operation lock: it touches neither the database nor the list. Never throws.
   */
  ofBroughtCopy(
    path: string,
    record: Pick<ManifestRecord, "name" | "origin" | "rowCounts">,
  ): Promise<DrillFinding> {
    return drillBroughtCopy(path, record, this.#migrations);
  }

  /** The last restore drill, from `drill.json` (by this process or another), or null. */
  last(): DrillResult | null {
    return readDrillResult(this.#ctx.folder.dir);
  }
}
