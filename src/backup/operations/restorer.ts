import type { ManifestRecord } from "../catalog/manifest.ts";
import { applyRetentionQuietly } from "../catalog/removals.ts";
import type { RetentionLimits } from "../catalog/retention.ts";
import type { EngineContext, HealthRecord, RestoreOptions, RestoreResult, RestoreStep } from "../context.ts";
import { ChoiceChangedError, NoUsableBackupError } from "../errors.ts";
import { checkAfterRestore, type FollowUps } from "./follow-ups.ts";
import type { DatabaseHealth } from "./health.ts";
import { type RestoreContext, type RestoreEvents, restoreDatabase } from "./restore.ts";
import {
  builtRecord,
  checkedSource,
  emergencyCandidates,
  newestUsableSource,
  type RestoreSource,
} from "./restore-choice.ts";
import { previewRestore, type RestorePreview } from "./restore-preview.ts";

/** What the restores take from the engine that owns them. */
export interface RestorerParts {
  ctx: EngineContext;
  events: RestoreEvents;
  health: DatabaseHealth;
  followUps: FollowUps | null;
  /** Read at each restore: the limits can change while the app runs. */
  retention: () => RetentionLimits;
  beforeStep?: ((step: RestoreStep) => void) | undefined;
}

/**
 * The engine's restores: which source each kind of restore puts back (a listed backup, the
 * newest usable one, a database built for the moment), what one would do before it is asked,
 * and the one way all of them run (`restoreChosen` under the operation lock).
 */
export class Restorer {
  readonly #parts: RestorerParts;

  constructor(parts: RestorerParts) {
    this.#parts = parts;
  }

  /**
   * Restores the named backup (`restoreChosen`) once it passed the full check (`checkedSource`);
   * throws `BackupUnusableError` for a damaged or foreign backup, or one that could run code.
   * An `incoming` file (an off-site download) is brought in first, under the same hold of the
   * lock (`compareIncoming`), so nothing else removes or replaces it before the restore.
   */
  restore(name: string, options: RestoreOptions = {}): Promise<RestoreResult> {
    return this.#restore("Database restore", options.by ?? null, () =>
      checkedSource(this.#parts.ctx, name, options.incoming),
    );
  }

  /**
   * Restores a database that `source.build` writes beside the live one and proves (the full check,
   * the trust rule) under the operation lock, instead of a backup's copy: continuous protection's
   * moment, which needs no second copy. Then as any restore (`restoreChosen`): the safety backup,
   * the swap. `source.label` names what was put back (the result's `restoredFrom`); `source.size`,
   * about its size, is what the free space is judged by.
   */
  restoreBuilt(
    source: { label: string; size: number; build: (target: string) => Promise<void> },
    options: { by?: string | null } = {},
  ): Promise<RestoreResult> {
    const by = options.by ?? null;
    return this.#restore("Database restore", by, async () => ({
      record: builtRecord(source, by, this.#parts.ctx.clock()),
      checkedSha256: "",
      build: source.build,
    }));
  }

  /**
   * Restores the newest backup of this database that passes the full check (`newestUsableSource`),
   * else `NoUsableBackupError`. With `expected` (the backup a confirmation named), any other
   * choice is `ChoiceChangedError`, before anything is changed.
   */
  emergencyRestore(options: { by?: string | null; expected?: string | null } = {}): Promise<RestoreResult> {
    return this.#restore("Emergency restore", options.by ?? null, async () => {
      const source = await newestUsableSource(this.#parts.ctx);
      if (options.expected && source.record.name !== options.expected)
        throw new ChoiceChangedError(options.expected, source.record.name);
      return source;
    });
  }

  /**
   * What restoring `name` (null: Emergency Restore's first choice, `emergencyCandidates`) would do
   * (`previewRestore`); `NoUsableBackupError` when Emergency Restore has nothing here to choose.
   */
  async preview(name: string | null): Promise<RestorePreview> {
    const { ctx } = this.#parts;
    const record = name === null ? emergencyCandidates(ctx)[0] : ctx.folder.find(name);
    if (!record) throw new NoUsableBackupError();
    return previewRestore(ctx, record);
  }

  /** `preview` of a backup that is not in the backup folder (an off-site copy, `where` it is). */
  previewCopy(record: ManifestRecord, where: string): Promise<RestorePreview> {
    return previewRestore(this.#parts.ctx, record, where);
  }

  #restore(label: string, by: string | null, choose: () => Promise<RestoreSource>): Promise<RestoreResult> {
    const { ctx, events, health, followUps, retention, beforeStep } = this.#parts;
    return ctx.operations.run(`${label} failed`, async () => {
      health.set(null);
      return restoreChosen({ ...ctx, events, beforeStep }, await choose(), {
        by,
        label,
        retention: retention(),
        followUps,
        setHealth: health.set,
      });
    });
  }
}

/**
 * A restore of a chosen source, whole: `restoreDatabase`, then old safety backups rotated out
 * (only those: a restore is no reason to rotate others out; never the backup just restored or the
 * new safety backup) and the checks that follow (`checkAfterRestore`) — both in the background
 * beside a serving app. Call it holding the operation lock.
 */
async function restoreChosen(
  ctx: RestoreContext,
  source: RestoreSource,
  options: {
    by: string | null;
    label: string;
    retention: RetentionLimits;
    followUps: FollowUps | null;
    setHealth: (health: HealthRecord) => void;
  },
): Promise<RestoreResult> {
  const { record, checkedSha256, build } = source;
  const outcome = await restoreDatabase(ctx, record, {
    by: options.by,
    label: options.label,
    checkedSha256,
    ...(build ? { build } : {}),
  });
  ctx.operations.lastError = null;
  const safety = outcome.result.safetyBackup;
  const protect = new Set([record.name, ...(safety ? [safety] : [])]);
  const rotate = () =>
    applyRetentionQuietly(ctx.folder, {
      limits: options.retention,
      facts: ctx.retentionFacts(),
      protect,
      kinds: new Set(["pre_restore"]),
    });
  // Removing a large old file takes a while: beside a serving app, after it answers again.
  if (options.followUps)
    options.followUps.add("Removing old safety backups", (underLock) => underLock(rotate));
  else await rotate();
  await checkAfterRestore(ctx, outcome, options.setHealth, options.followUps);
  return outcome.result;
}
