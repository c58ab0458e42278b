import { existsSync } from "node:fs";
import { dataTimeOf } from "../catalog/lineage.ts";
import { lookPageInWorker } from "../inspect/worker-client.ts";
import { rowsInBackup, rowsNow } from "../operations/restore-preview.ts";
import { liveVersionOf } from "./file-key.ts";
import { type LookContext, type OpenedBackup, openForLook } from "./gate.ts";

/**
 * The summary of a backup: its tables with their rows then and now. Counting a large database
 * takes long, so counts are kept: the backup's by its file's identity (a backup file never
 * changes), today's by the version of the live data (`liveVersionOf`, new with every commit), so
 * a count of data that changed since is never shown.
 */

export interface LookTable {
  name: string;
  backupRows: number | null;
  nowRows: number | null;
  /** One of BusinessApp's own tables: only its counts are shown. */
  appTable: boolean;
  /** The primary key's columns; null: none, so no difference can be told. */
  key: string[] | null;
  columns: string[];
}

export interface LookSummary {
  name: string;
  dataAt: string;
  tables: LookTable[];
  /** Why the rows now are not known, or null. */
  nowUnknown: string | null;
}

/** Rows of every table of one side: those the restore preview counts, then the bookkeeping ones. */
interface SideRows {
  counted: Record<string, number>;
  uncounted: Record<string, number>;
}

/** Kept counts, by file identity or live version; bounded: the oldest goes first. */
const keptRows = new Map<string, SideRows>();
const MAX_KEPT = 64;

/** Every ordinary table of the backup with its rows in the backup and now (the restore preview's counts). */
export async function summarizeBackup(ctx: LookContext, name: string): Promise<LookSummary> {
  const opened = await openForLook(ctx, name);
  const [{ now, nowUnknown }, inBackup] = await Promise.all([liveRows(ctx.database), backupRows(opened)]);
  const tables = opened.shapes.map(
    (shape): LookTable => ({
      name: shape.name,
      backupRows: inBackup.counted[shape.name] ?? inBackup.uncounted[shape.name] ?? null,
      nowRows: now ? (now.counted[shape.name] ?? now.uncounted[shape.name] ?? 0) : null,
      appTable: !opened.shopTables.has(shape.name),
      key: shape.key,
      columns: shape.columns,
    }),
  );
  return { name: opened.record.name, dataAt: dataTimeOf(opened.record), tables, nowUnknown };
}

/**
 * The backup's rows: those recorded with it by its full check when there are, else counted in the
 * worker; kept by the file's identity. `counted` is empty when they cannot be known (not kept).
 */
async function backupRows(opened: OpenedBackup): Promise<SideRows> {
  const key = `backup\0${opened.fileKey}`;
  const kept = keptRows.get(key);
  if (kept) return kept;
  const [counted, uncounted] = await Promise.all([
    rowsInBackup(opened.record, opened.path),
    lookPageInWorker({ kind: "uncounted", path: opened.path, fileKey: opened.fileKey }) as Promise<
      Record<string, number>
    >,
  ]);
  return counted ? keep(key, { counted, uncounted }) : { counted: {}, uncounted };
}

/**
 * Today's rows (the restore preview's tables and the bookkeeping ones), kept by the version of
 * the live data read before counting: a commit during the count gives another version, so a
 * count is never shown for a version it may not be of.
 */
async function liveRows(database: string): Promise<{ now: SideRows | null; nowUnknown: string | null }> {
  if (!existsSync(database)) return { now: null, nowUnknown: (await rowsNow(database)).nowUnknown };
  const key = `live\0${database}\0${liveVersionOf(database)}`;
  const kept = keptRows.get(key);
  if (kept) return { now: kept, nowUnknown: null };
  const [{ now, nowUnknown }, uncounted] = await Promise.all([
    rowsNow(database),
    lookPageInWorker({ kind: "uncounted-now", live: database }) as Promise<Record<string, number>>,
  ]);
  if (!now) return { now: null, nowUnknown };
  return { now: keep(key, { counted: now, uncounted }), nowUnknown: null };
}

function keep(key: string, rows: SideRows): SideRows {
  keptRows.set(key, rows);
  for (const oldest of keptRows.keys()) {
    if (keptRows.size <= MAX_KEPT) break;
    keptRows.delete(oldest);
  }
  return rows;
}
