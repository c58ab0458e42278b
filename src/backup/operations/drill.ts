import { rm } from "node:fs/promises";
import type { MigrationMeta } from "drizzle-orm/migrator";
import { embeddedMigrations } from "../../db/migrations.ts";
import { describeError } from "../../lib/errors.ts";
import { sha256File } from "../../lib/hash.ts";
import { tempNameFor } from "../../lib/temp-name.ts";
import { type DrillResult, writeDrillResult } from "../catalog/drill-record.ts";
import { lineageOf } from "../catalog/lineage.ts";
import { type ManifestRecord, restoresByCopy } from "../catalog/manifest.ts";
import { spaceNeeded } from "../catalog/space.ts";
import type { EngineContext } from "../context.ts";
import { NotEnoughSpaceError, rebuildFailure } from "../errors.ts";
import { NOT_CARRIED } from "../inspect/rebuild.ts";
import { copyFileInWorker, drillFileInWorker, rebuildInWorker } from "../inspect/worker-client.ts";
import { identityOf } from "./restore-choice.ts";
import { CHANGED_SINCE_MADE, verifyRecord } from "./verify.ts";

/** What a drill found, before it is timed and recorded. */
type Finding = Pick<DrillResult, "ok" | "reason" | "tables" | "rows">;

const failed = (reason: string): Finding => ({ ok: false, reason, tables: 0, rows: 0 });

/**
 * A restore drill: proves that the newest healthy backup can be restored, without touching the
 * live database. The backup is copied to a hidden temporary file in the backup folder, or
 * rebuilt there when the app did not make it, as a restore would (then hashed: bytes other than
 * those recorded when it was made fail the drill, and the backup is marked damaged), the copy is opened as a restored database would be — the trust
 * rule, the app's `migrations` run forward — given the complete `integrity_check`, and the rows
 * of each table are compared with the counts recorded when the backup was made (a backup without
 * them gets its full check first, which records them). The copy is removed whatever happens.
 * The result is kept in `drill.json` and logged (INFO passed, ERROR failed); a failure is a
 * result, not an exception. Call it holding the operation lock.
 */
export async function runDrill(
  ctx: EngineContext,
  migrations: MigrationMeta[] = embeddedMigrations(),
): Promise<DrillResult> {
  const started = ctx.clock();
  const t0 = performance.now();
  const records = ctx.folder.list();
  const record =
    lineageOf(records, identityOf(ctx, records)).find((r) => r.health === "verified" && !r.sourceDamaged) ??
    null;
  let finding: Finding;
  try {
    finding = record ? await drill(ctx, record, migrations) : failed("there is no good backup to restore");
  } catch (error) {
    finding = failed(describeError(error));
  }
  const result: DrillResult = {
    at: started.toISOString(),
    backup: record?.name ?? null,
    durationMs: Math.round(performance.now() - t0),
    ...finding,
  };
  await writeDrillResult(ctx.folder.dir, result, ctx.folder.wait);
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (result.ok) {
    ctx.log.info(
      `Restore drill passed: ${result.backup} was restored into a temporary file, opened with this version's migrations and passed integrity_check; ${result.tables} tables with ${result.rows} rows as recorded (${seconds} s)`,
    );
  } else {
    ctx.log.error(`Restore drill failed${result.backup ? ` with ${result.backup}` : ""}: ${result.reason}`);
  }
  return result;
}

async function drill(
  ctx: EngineContext,
  chosen: ManifestRecord,
  migrations: MigrationMeta[],
): Promise<Finding> {
  const record = chosen.rowCounts ? chosen : await verifyRecord(ctx, chosen);
  if (record.health !== "verified" || !record.rowCounts)
    return failed(record.reason ?? "it failed its check");
  const free = ctx.freeSpace(ctx.folder.dir);
  if (free < spaceNeeded(record.size)) {
    const why = new NotEnoughSpaceError(spaceNeeded(record.size), free).message;
    return failed(`${why} for the temporary copy; free space on the disk of the backup folder`);
  }
  const temp = ctx.folder.pathOf(tempNameFor("drill", "copy"));
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
    if (restoresByCopy(record)) await copyFileInWorker({ source, target: temp });
    else
      await rebuildInWorker({ source, target: temp }).catch((error) => {
        throw rebuildFailure(record.name, error);
      });
    const sha256 = await sha256File(restoresByCopy(record) ? temp : source);
    if (record.sha256 && sha256 !== record.sha256) {
      const reason = `its content ${CHANGED_SINCE_MADE}`;
      await ctx.folder.update((records) =>
        records.set(record.name, { ...record, health: "damaged", reason, fullCheck: null }),
      );
      ctx.log.warning(`Backup ${record.name} failed its check: ${reason}`);
      return failed(`the backup ${record.name} ${CHANGED_SINCE_MADE}`);
    }
    const found = await drillFileInWorker({ path: temp, migrations });
    if (!found.ok || !found.rowCounts)
      return failed(`the restored copy ${found.reason ?? "failed its check"}`);
    // A rebuild leaves some of the app's tables' rows behind on purpose: they are not compared.
    const expected = restoresByCopy(record)
      ? record.rowCounts
      : Object.fromEntries(Object.entries(record.rowCounts).filter(([table]) => !NOT_CARRIED.has(table)));
    return compareCounts(expected, found.rowCounts);
  } finally {
    // Off the thread: freeing a large copy's space takes the file system a while.
    for (const side of ["", "-wal", "-shm", "-journal"]) await rm(`${temp}${side}`, { force: true });
    ctx.operations.show(null);
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
