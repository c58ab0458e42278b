import type { MigrationMeta } from "drizzle-orm/migrator";
import { embeddedMigrations } from "../../db/migrations.ts";
import type { DrillResult } from "../catalog/drill-record.ts";
import type { EngineContext } from "../context.ts";
import { BackgroundYieldedError } from "./background.ts";
import { type DrillRun, drillChoice, performDrill, recordDrill } from "./drill.ts";

/** How many times a scheduled drill that made way is run again before it waits for the schedule's next look. */
const RUNS_AGAIN = 1;

/**
 * A restore drill the schedule starts, as background work (`BackgroundWork`): it holds no lock
 * while it copies and checks, so a backup, restore, drill or upload someone starts meanwhile
 * never waits for it — the drill stops (its worker given up, its copy removed), records nothing,
 * and runs again once that operation has ended; stopped a second time, it rejects with
 * `BackgroundYieldedError` and the schedule tries it again at its next look (within 10 minutes).
 * Its result is recorded under a short hold of the lock, and only while the backup it drilled is
 * still listed as it was (else it resolves with null, nothing recorded: the drill is still due).
 */
export async function scheduledDrill(
  ctx: EngineContext,
  migrations: MigrationMeta[] = embeddedMigrations(),
): Promise<DrillResult | null> {
  for (let runs = 0; ; runs++) {
    try {
      return await drillOnce(ctx, migrations);
    } catch (error) {
      if (!(error instanceof BackgroundYieldedError) || runs >= RUNS_AGAIN) throw error;
    }
  }
}

async function drillOnce(ctx: EngineContext, migrations: MigrationMeta[]): Promise<DrillResult | null> {
  const { operations } = ctx;
  // Chosen once no operation runs: a restore that just ended may have made a newer backup.
  await operations.background.whenFree();
  const record = drillChoice(ctx);
  let recorded: DrillResult | null = null;
  await operations.background.run(
    { kind: "drill", name: record?.name ?? null },
    (signal) => performDrill(ctx, record, migrations, { show: false, signal }),
    async (done: DrillRun, signal) => {
      await operations.idle();
      let madeWay = false;
      await operations.run(
        "Restore drill failed",
        async () => {
          // Checked under the lock: what a stopped drill found is never recorded.
          if (signal.aborted) madeWay = true;
          if (madeWay || !stillListed(ctx, done)) return;
          await recordDrill(ctx, done);
          recorded = done.result;
        },
        { background: true },
      );
      return !madeWay;
    },
  );
  return recorded;
}

/** The backup drilled is listed as it was when the drill chose it (no restore, retention or check changed it). */
function stillListed(ctx: EngineContext, done: DrillRun): boolean {
  if (!done.record) return true;
  const now = ctx.folder.list().find((r) => r.name === done.record?.name);
  return now !== undefined && now.createdAt === done.record.createdAt && now.sha256 === done.record.sha256;
}
