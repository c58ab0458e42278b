import { randomUUID } from "node:crypto";
import { statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type {
  BuiltPoint,
  ManifestRecord,
  PointInTime,
  RestorePreview,
  RestoreResult,
} from "../../backup/index.ts";
import {
  buildPointInTime,
  chainAt,
  countRows,
  PointInTimeError,
  pointInTimeBackup,
} from "../../backup/index.ts";
import { tempNameFor } from "../../lib/files/temp-name.ts";
import { formatLogTime, showTime } from "../../lib/time.ts";
import { fetchChain } from "../../offsite/continuous/changes.ts";
import type { ChangeShipping } from "../../offsite/continuous/shipping.ts";
import type { TargetId } from "../../offsite/places/target.ts";
import type { RestoreDeps } from "./restore.ts";

/**
 * Undo to a point in time, for the Database Backup page, the JSON API and the command line alike:
 * the moment continuous protection rebuilds (here, or from a place's copy of its chains), proven,
 * then restored as any backup is; and what such a restore would do (`previewPoint`).
 */

/** The most names `restoreToPoint` tries when earlier ones are taken by other backups. */
const NAME_ATTEMPTS = 100;
/** Fetching a chain from a place (its base and change files) ends within this. */
const FETCH_MS = 60 * 60_000;

/** Nothing in place `label` covers `at`: its history starts at `first` (ms), or it holds none. */
function notCoveredIn(label: string, at: Date, first: number | null): PointInTimeError {
  return new PointInTimeError(
    "continuous.not_covered",
    first === null
      ? `Nothing can be restored to a point in time from ${label}: it holds no changes of continuous protection.`
      : `Nothing can be restored as it was at ${showTime(at)} from ${label}: its changes go back to ${showTime(new Date(first))}.`,
  );
}

/** What a restore to a moment from a place needs besides the engine. */
export interface PointDeps {
  engine: RestoreDeps["engine"];
  offsite?: RestoreDeps["offsite"];
  shipping?: ChangeShipping;
}

/**
 * The chain for a restore to `at` from place `from`: the newest whose base is at or before `at`
 * (of this database, when it has one here: a new PC has none, and takes the place's newest),
 * downloaded into a hidden temporary folder in the backup folder (a leftover of a crash is removed
 * at the next start), each file checked against the manifest. Returns the folder, to be removed
 * afterwards, and whether the app stands behind the chain.
 */
async function fetchMoment(
  deps: PointDeps,
  at: Date,
  from: TargetId,
): Promise<{ root: string; proven: boolean }> {
  const { engine } = deps;
  if (!deps.offsite || !deps.shipping)
    throw new Error("restoring a moment from a place needs the off-site service");
  const signal = AbortSignal.timeout(FETCH_MS);
  const label = deps.offsite.target(from).label;
  const identity = engine.identity();
  const chains = (await deps.shipping.remoteChains(from, signal)).filter(
    (c) => !identity || c.manifest.chain.databaseId === identity,
  );
  const chain = chains.find((c) => c.manifest.chain.createdAt <= at.getTime());
  if (!chain) throw notCoveredIn(label, at, chains.at(-1)?.manifest.chain.createdAt ?? null);
  const root = join(engine.backupsDir, tempNameFor("continuous", "fetch", randomUUID()));
  try {
    const { key, passphrase } = await deps.offsite.forReading(from, signal);
    await fetchChain(deps.offsite.target(from), chain, at.getTime(), root, { key, passphrase }, signal);
  } catch (error) {
    await rm(root, { recursive: true, force: true }).catch(() => {});
    throw error;
  }
  return { root, proven: chain.proven };
}

/** The size of the file at `path`, 0 when there is none. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** What a restore to the moment `at` restores from, in words (its `restoredFrom`, the log, the preview). */
function momentLabel(at: Date): string {
  return `the database as it was at ${formatLogTime(at)}`;
}

/** What a restore to a moment asks for. */
interface PointRequest {
  at: Date;
  by: string | null;
  now: Date;
  from?: TargetId | null;
}

/** A restore to a moment's result: the moment put back, and the backup it was kept as (null: none). */
export type PointRestored = RestoreResult & { point: PointInTime; kept: string | null };

/**
 * Restores the database as it was at `at` (the last transaction captured at or before it): from
 * the chains here, or with `from` from that place's (`fetchMoment`). The moment is rebuilt and
 * proven (its state the one recorded, the full check) beside the database under the operation
 * lock, then swapped in as any restore (a safety backup first): `engine.restoreBuilt`, no second
 * copy. A chain off-site that is not proven the app's own takes the way of a file from elsewhere:
 * kept as a manual backup (`pointInTimeBackup`) and restored from it rebuilt. `PointInTimeError`
 * when continuous protection holds nothing for that moment; the places' `OffsiteError`s.
 */
export async function restoreToPoint(deps: PointDeps, request: PointRequest): Promise<PointRestored> {
  const { engine } = deps;
  if (!request.from) return restoreMoment(engine, engine.backupsDir, request, engine.identity());
  const { root, proven } = await fetchMoment(deps, request.at, request.from);
  try {
    return proven
      ? await restoreMoment(engine, root, request, null)
      : await restoreKept(engine, root, request);
  } finally {
    await rm(root, { recursive: true, force: true }).catch(() => {});
  }
}

/** The moment built beside the database and restored from there (`engine.restoreBuilt`). */
async function restoreMoment(
  engine: RestoreDeps["engine"],
  dir: string,
  request: PointRequest,
  databaseId: string | null,
): Promise<PointRestored> {
  const at = request.at.getTime();
  const chain = chainAt(dir, at, databaseId);
  let built: BuiltPoint | null = null;
  const result = await engine.restoreBuilt(
    {
      label: momentLabel(request.at),
      // The moment is about the size of its base, or of the database now when that grew since.
      size: Math.max(chain.info.size * chain.info.pageSize, sizeOf(engine.database)),
      build: async (target) => {
        // The record of a base's full check counts only in the app's own folder, never in a place's copy.
        built = await buildPointInTime(dir, at, target, {
          databaseId,
          check: true,
          baseCheck: dir === engine.backupsDir,
        });
      },
    },
    { by: request.by },
  );
  const { inspection: _, ...point } = built as unknown as BuiltPoint;
  return { ...result, point, kept: null };
}

/** The moment kept as a manual backup, then restored from it as a file from elsewhere is (rebuilt). */
async function restoreKept(
  engine: RestoreDeps["engine"],
  dir: string,
  request: PointRequest,
): Promise<PointRestored> {
  const temp = engine.uploadTempPath();
  try {
    const built = await buildPointInTime(dir, request.at.getTime(), temp, { inspect: true, ownChain: false });
    const { inspection: _, ...point } = built;
    for (let attempt = 1; ; attempt++) {
      const backup = pointInTimeBackup(built, request.now, request.by, attempt);
      const { name } = backup;
      if (attempt < NAME_ATTEMPTS && (await engine.compareIncoming(name, backup.about.sha256)) === "taken")
        continue;
      const about = { ...backup.about, origin: null };
      const result = await engine.restore(name, { by: request.by, incoming: { temp, about } });
      return { ...result, point, kept: name };
    }
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}

/**
 * What restoring the database as it was at `at` would do (`restoreToPoint`), worked out by
 * building that moment in a hidden temporary file and counting its rows (removed afterwards):
 * the preview, and the moment it holds with the next one captured after `at`.
 */
export async function previewPoint(
  deps: Pick<RestoreDeps, "engine">,
  at: Date,
): Promise<{ preview: RestorePreview; point: PointInTime }> {
  const { engine } = deps;
  const temp = engine.uploadTempPath();
  try {
    const point = await buildPointInTime(engine.backupsDir, at.getTime(), temp, {
      databaseId: engine.identity(),
    });
    const rows = Object.fromEntries((await countRows({ path: temp })).map((t) => [t.name, t.rows]));
    const { about } = pointInTimeBackup(point, new Date(), null);
    const record: ManifestRecord = {
      ...about,
      origin: "snapshot",
      name: momentLabel(at),
      kind: "manual",
      size: 0,
      health: "verified",
      checkedAt: null,
      reason: null,
      sourceDamaged: false,
      rowCounts: rows,
    };
    const { inspection: _, ...moment } = point;
    return { preview: await engine.previewCopy(record, "continuous protection"), point: moment };
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}
