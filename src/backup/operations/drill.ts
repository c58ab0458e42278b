import { rm } from "node:fs/promises";
import type { MigrationMeta } from "drizzle-orm/migrator";
import { embeddedMigrations } from "../../db/migrations.ts";
import { describeError } from "../../lib/errors.ts";
import { tempNameFor, tempPathFor } from "../../lib/files/temp-name.ts";
import { sha256File } from "../../lib/hash.ts";
import { type DrillResult, writeDrillResult } from "../catalog/drill-record.ts";
import { lineageOf } from "../catalog/lineage.ts";
import { type ManifestRecord, restoresByCopy } from "../catalog/manifest.ts";
import { spaceNeeded } from "../catalog/space.ts";
import type { EngineContext } from "../context.ts";
import { NotEnoughSpaceError, OperationAbandonedError, rebuildFailure } from "../errors.ts";
import { NOT_CARRIED } from "../inspect/rebuild.ts";
import { copyFileInWorker, drillFileInWorker, rebuildInWorker } from "../inspect/worker-client.ts";
import { identityOf } from "./restore-choice.ts";
import { CHANGED_SINCE_MADE, inspectRecord, recordInspection } from "./verify.ts";

/** What a drill found, before it is timed and recorded. */
export type Finding = Pick<DrillResult, "ok" | "reason" | "tables" | "rows"> & {
  /** False when the backup carried no row counts to compare with (an off-site copy made before its check). */
  countsCompared?: boolean;
};

const failed = (reason: string): Finding => ({ ok: false, reason, tables: 0, rows: 0 });
/** Drills made by this process, each copy named apart (`drillOne`). */
let drillCopies = 0;

/** A drill done, before it is recorded: its result and the manifest changes it found on the way. */
export interface DrillRun {
  result: DrillResult;
  /** The backup drilled, as listed when the drill chose it. */
  record: ManifestRecord | null;
  /** What it learnt of the backup (its full check, its bytes changed), applied when it is recorded. */
  changes: Array<() => Promise<void>>;
}

/** The backup a drill proves: the newest healthy one of this database, or null. */
export function drillChoice(ctx: EngineContext): ManifestRecord | null {
  const records = ctx.folder.list();
  return (
    lineageOf(records, identityOf(ctx, records)).find((r) => r.health === "verified" && !r.sourceDamaged) ??
    null
  );
}

/**
 * A restore drill: proves that the newest healthy backup can be restored, without touching the
 * live database (`performDrill`, then `recordDrill`). Call it holding the operation lock.
 */
export async function runDrill(
  ctx: EngineContext,
  migrations: MigrationMeta[] = embeddedMigrations(),
): Promise<DrillResult> {
  const done = await performDrill(ctx, drillChoice(ctx), migrations, { show: true });
  await recordDrill(ctx, done);
  return done.result;
}

/**
 * A restore drill of `record` without recording anything: the backup is copied to a hidden
 * temporary file in the backup folder, or rebuilt there when the app did not make it, as a restore
 * would (then hashed: bytes other than those recorded when it was made fail the drill, and the
 * backup is to be marked damaged), the copy is opened as a restored database would be — the trust
 * rule, the app's `migrations` run forward — given the complete `integrity_check`, and the rows of
 * each table are compared with the counts recorded when the backup was made (a backup without them
 * gets its full check first, which records them). The copy is removed whatever happens. It reads
 * the backup only, so it needs no lock; with `signal`, an abort gives its worker up. A failure is
 * a result, not an exception (except the abort's). `show`: the status shows it as the operation.
 */
export async function performDrill(
  ctx: EngineContext,
  record: ManifestRecord | null,
  migrations: MigrationMeta[],
  options: { show: boolean; signal?: AbortSignal },
): Promise<DrillRun> {
  const started = ctx.clock();
  const t0 = performance.now();
  const changes: DrillRun["changes"] = [];
  let finding: Finding;
  try {
    finding = record
      ? await drill(ctx, record, migrations, { ...options, changes })
      : failed("there is no good backup to restore");
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    // The app closing gave the worker up: in the background that is no finding about the backup.
    if (options.signal && error instanceof OperationAbandonedError) throw error;
    finding = failed(describeError(error));
  }
  const result: DrillResult = {
    at: started.toISOString(),
    backup: record?.name ?? null,
    durationMs: Math.round(performance.now() - t0),
    ...finding,
  };
  return { result, record, changes };
}

/** Records a drill done: the changes it found, its result in `drill.json`, logged (INFO passed, ERROR failed). Under the lock. */
export async function recordDrill(ctx: EngineContext, done: DrillRun): Promise<void> {
  for (const change of done.changes) await change();
  const { result } = done;
  await writeDrillResult(ctx.folder.dir, result, ctx.folder.wait);
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (result.ok) {
    ctx.log.info(
      `Restore drill passed: ${result.backup} was restored into a temporary file, opened with this version's migrations and passed integrity_check; ${result.tables} tables with ${result.rows} rows as recorded (${seconds} s)`,
    );
  } else {
    ctx.log.error(`Restore drill failed${result.backup ? ` with ${result.backup}` : ""}: ${result.reason}`);
  }
}

async function drill(
  ctx: EngineContext,
  chosen: ManifestRecord,
  migrations: MigrationMeta[],
  options: { show: boolean; signal?: AbortSignal; changes: DrillRun["changes"] },
): Promise<Finding> {
  const { signal, changes } = options;
  let record = chosen;
  if (!chosen.rowCounts) {
    const inspected = await inspectRecord(ctx, chosen, signal);
    changes.push(() => recordInspection(ctx, inspected, chosen));
    record = inspected;
  }
  if (record.health !== "verified" || !record.rowCounts)
    return failed(record.reason ?? "it failed its check");
  const free = ctx.freeSpace(ctx.folder.dir);
  if (free < spaceNeeded(record.size)) {
    const why = new NotEnoughSpaceError(spaceNeeded(record.size), free).message;
    return failed(`${why} for the temporary copy; free space on the disk of the backup folder`);
  }
  // A name of its own per drill: a drill that made way may leave its copy open in the thread it
  // gave up (a native copy cannot be interrupted) until that call returns.
  const temp = ctx.folder.pathOf(tempNameFor("drill", "copy", ++drillCopies));
  if (options.show)
    ctx.operations.show({
      action: "drill",
      kind: null,
      name: record.name,
      startedAt: ctx.clock().toISOString(),
      bytesExpected: record.size,
      temp,
    });
  try {
    // As a restore does: the file system's own copy of a file the app made, hashed after it; any
    // other file rebuilt, the backup hashed after it.
    const source = ctx.folder.pathOf(record.name);
    if (restoresByCopy(record)) await copyFileInWorker({ source, target: temp }, signal);
    else
      await rebuildInWorker({ source, target: temp }, signal).catch((error) => {
        throw rebuildFailure(record.name, error);
      });
    signal?.throwIfAborted();
    const sha256 = await sha256File(restoresByCopy(record) ? temp : source);
    signal?.throwIfAborted();
    if (record.sha256 && sha256 !== record.sha256) {
      const reason = `its content ${CHANGED_SINCE_MADE}`;
      const judged = record;
      changes.push(async () => {
        await ctx.folder.update((records) => {
          // Marked on the record as listed now: a description changed meanwhile stays.
          const now = records.get(judged.name);
          if (now && now.sha256 === judged.sha256 && now.createdAt === judged.createdAt)
            records.set(judged.name, { ...now, health: "damaged", reason, fullCheck: null });
        });
        ctx.log.warning(`Backup ${judged.name} failed its check: ${reason}`);
      });
      return failed(`the backup ${record.name} ${CHANGED_SINCE_MADE}`);
    }
    return await checkDrillCopyOf(temp, record, migrations, signal);
  } finally {
    await removeDrillCopy(temp);
    if (options.show) ctx.operations.show(null);
  }
}

/** Removes a drill's copy and what SQLite made beside it; off the thread: freeing a large copy's space takes the file system a while. */
async function removeDrillCopy(temp: string): Promise<void> {
  for (const side of ["", "-wal", "-shm", "-journal"]) await rm(`${temp}${side}`, { force: true });
}

/**
 * The full check of a drill's copy at `temp` (which it may change: the migrations run on it), as
 * a restored database: the trust rule, this version's `migrations`, `integrity_check`, then the
 * rows of each table compared with those `record` holds from when it was made — none when it holds
 * none (`countsCompared` false). A rebuilt backup leaves some of the app's tables behind on purpose:
 * they are not compared.
 */
async function checkDrillCopyOf(
  temp: string,
  record: Pick<ManifestRecord, "origin" | "rowCounts">,
  migrations: MigrationMeta[],
  signal?: AbortSignal,
): Promise<Finding> {
  const found = await drillFileInWorker({ path: temp, migrations }, signal);
  if (!found.ok || !found.rowCounts) return failed(`the restored copy ${found.reason ?? "failed its check"}`);
  if (!record.rowCounts) {
    const counted = Object.values(found.rowCounts).reduce((sum, n) => sum + n, 0);
    return {
      ok: true,
      reason: null,
      tables: Object.keys(found.rowCounts).length,
      rows: counted,
      countsCompared: false,
    };
  }
  const expected = restoresByCopy(record)
    ? record.rowCounts
    : Object.fromEntries(Object.entries(record.rowCounts).filter(([table]) => !NOT_CARRIED.has(table)));
  return compareCounts(expected, found.rowCounts);
}

/**
 * A restore drill of a backup brought from elsewhere (an off-site copy the caller downloaded to
 * the hidden temporary file `path` in the backup folder, its bytes already proven the backup's):
 * a copy the app made is checked in place, any other is rebuilt first into a temporary file of
 * its own, as a restore would; then the full check and the counts (`checkDrillCopyOf`). It never
 * touches the live database or the backup folder's list, so it needs no operation lock; `path`
 * may be changed (the migrations) and its `-wal`/`-shm` are removed, the caller removes `path`.
 * A failure is a finding, never an exception.
 */
export async function drillBroughtCopy(
  path: string,
  record: Pick<ManifestRecord, "name" | "origin" | "rowCounts">,
  migrations: MigrationMeta[] = embeddedMigrations(),
): Promise<Finding> {
  const rebuilt = restoresByCopy(record) ? null : tempPathFor(path, "drill");
  try {
    if (rebuilt)
      await rebuildInWorker({ source: path, target: rebuilt }).catch((error) => {
        throw rebuildFailure(record.name, error);
      });
    return await checkDrillCopyOf(rebuilt ?? path, record, migrations);
  } catch (error) {
    return failed(describeError(error));
  } finally {
    if (rebuilt) await removeDrillCopy(rebuilt);
    for (const side of ["-wal", "-shm", "-journal"]) await rm(`${path}${side}`, { force: true });
  }
}

/** Every table the backup had when it was made must be back with as many rows. */
function compareCounts(recorded: Record<string, number>, restored: Record<string, number>): Finding {
  const problems: string[] = [];
  let rows = 0;
  for (const [table, count] of Object.entries(recorded)) {
    const now = restored[table];
    if (now === undefined) problems.push(`table \`${table}\` is missing`);
    else if (now !== count)
      problems.push(`table \`${table}\` has ${now} rows, ${count} when the backup was made`);
    rows += count;
  }
  if (problems.length > 0)
    return failed(`the restored copy differs from the backup: ${problems.slice(0, 3).join("; ")}`);
  return { ok: true, reason: null, tables: Object.keys(recorded).length, rows };
}
