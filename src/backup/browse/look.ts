import { existsSync } from "node:fs";
import { lookInWorker, lookPageInWorker } from "../inspect/worker-client.ts";
import type { DiffCounts, DiffPage, DiffSide } from "./diff.ts";
import { DIFF_SIDES } from "./diff.ts";
import { LookError, noKeyRefused } from "./errors.ts";
import { fileKeyOf, liveVersionOf } from "./file-key.ts";
import { type LookContext, type OpenedBackup, openForLook, shopTable } from "./gate.ts";
import type { RowsPage } from "./rows.ts";
import type { TableShape } from "./tables.ts";

/**
 * Looking inside a backup without touching the live database (its summary: `summary.ts`): its
 * rows page by page, and how a table differs from today's by primary key. Every call
 * passes the gate first (`openForLook`); the reading runs in the backup worker.
 */

/** Rows of one of the shop's tables of the backup, in rowid (or primary-key) order, keyset-paged. */
export async function readRows(
  ctx: LookContext,
  request: { name: string; table: string; search?: string; after?: string; limit?: number },
): Promise<RowsPage> {
  const opened = await openForLook(ctx, request.name);
  const shape = shopTable(opened, request.table);
  const { search, after, limit } = request;
  return (await lookPageInWorker({
    kind: "rows",
    path: opened.path,
    fileKey: opened.fileKey,
    table: shape.name,
    request: { search, after, limit },
  })) as RowsPage;
}

/** One page of one side of the difference between the backup's table and today's, by primary key. */
export async function diffTable(
  ctx: LookContext,
  request: { name: string; table: string; side: DiffSide; after?: string; limit?: number },
): Promise<DiffPage> {
  const { opened, shape } = await comparable(ctx, request);
  const { side, after, limit } = request;
  return (await lookPageInWorker({
    kind: "diff",
    path: opened.path,
    fileKey: opened.fileKey,
    live: ctx.database,
    table: shape.name,
    request: { side, after, limit },
  })) as DiffPage;
}

/**
 * A table of the backup that can be compared with today's: a shop's table with a primary key
 * (`look.no_key`), and a live database to compare with.
 */
export async function comparable(
  ctx: LookContext,
  request: { name: string; table: string; side?: DiffSide },
): Promise<{ opened: OpenedBackup; shape: TableShape }> {
  if (request.side !== undefined && !DIFF_SIDES.includes(request.side))
    throw new LookError("look.bad_side", "A difference has three sides: deleted, added or changed.");
  const opened = await openForLook(ctx, request.name);
  const shape = shopTable(opened, request.table);
  if (!shape.key) throw noKeyRefused(shape.name);
  if (!existsSync(ctx.database))
    throw new LookError("look.no_database", "There is no database now to compare the backup with.");
  return { opened, shape };
}

interface Counting {
  done: DiffCounts | null;
  failed: unknown;
  promise: Promise<DiffCounts>;
}

/**
 * Counts of differences, by backup file, table and version of the live data (`liveVersionOf`):
 * a count walks both tables whole, so it runs once per version and is kept. Bounded: the oldest
 * goes first.
 */
const counts = new Map<string, Counting>();
const MAX_COUNTS = 256;

/**
 * How many rows were deleted, added and changed since the backup, or "counting" while the worker
 * walks both tables (ask again); with `wait`, the counts once they are known.
 */
export async function diffCounts(
  ctx: LookContext,
  request: { name: string; table: string; wait?: boolean },
): Promise<DiffCounts | "counting"> {
  const { opened, shape } = await comparable(ctx, request);
  const key = [fileKeyOf(opened.path), shape.name, liveVersionOf(ctx.database)].join("\0\0");
  let entry = counts.get(key);
  if (entry?.failed !== undefined && entry.failed !== null) {
    // Told once; the next question counts again.
    counts.delete(key);
    throw entry.failed;
  }
  if (!entry) {
    const promise = lookInWorker({
      kind: "diff-counts",
      path: opened.path,
      fileKey: opened.fileKey,
      live: ctx.database,
      table: shape.name,
    }) as Promise<DiffCounts>;
    const started: Counting = { done: null, failed: null, promise };
    promise.then(
      (done) => {
        started.done = done;
      },
      (error: unknown) => {
        started.failed = error;
      },
    );
    entry = started;
    counts.set(key, entry);
    for (const oldest of counts.keys()) {
      if (counts.size <= MAX_COUNTS) break;
      counts.delete(oldest);
    }
  }
  if (entry.done) return entry.done;
  if (!request.wait) return "counting";
  try {
    return await entry.promise;
  } catch (error) {
    counts.delete(key);
    throw error;
  }
}
