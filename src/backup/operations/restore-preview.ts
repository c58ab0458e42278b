import { existsSync } from "node:fs";
import { describeError } from "../../lib/errors.ts";
import { dataTimeOf } from "../catalog/lineage.ts";
import type { ManifestRecord } from "../catalog/manifest.ts";
import type { EngineContext } from "../context.ts";
import { countRowsInWorker } from "../inspect/worker-client.ts";

/**
 * What a restore will do, told before it is confirmed (the Database Backup page, the recovery
 * page, the command line): the backup, when its data was taken, and the rows of each table now
 * and after. Nothing is changed by working it out.
 */
export interface RestorePreview {
  name: string;
  /** Its description ("" without one). */
  description: string;
  /** When the backup's data was taken (`dataAt`, or its time): changes made since are lost. */
  dataAt: string;
  /** Where the backup is when it is not in the backup folder ("in S3"), else null. */
  where: string | null;
  /** Each table of either side, by name: rows now and after; null where not known. */
  tables: { name: string; now: number | null; after: number | null }[];
  /** Why the rows now are not known (the database is missing or cannot be read), or null. */
  nowUnknown: string | null;
}

/**
 * The preview of restoring `record` (`where` it is, null: in the backup folder). The rows now are
 * counted off the server's thread in the live database; the rows after are those recorded with
 * the backup, or counted in its file when it passed its check and has none recorded.
 */
export async function previewRestore(
  ctx: Pick<EngineContext, "database" | "folder">,
  record: ManifestRecord,
  where: string | null = null,
): Promise<RestorePreview> {
  const [{ now, nowUnknown }, after] = await Promise.all([
    rowsNow(ctx.database),
    rowsInBackup(record, where === null ? ctx.folder.pathOf(record.name) : null),
  ]);
  const names = [...new Set([...Object.keys(now ?? {}), ...Object.keys(after ?? {})])]
    .filter((t) => !NOT_RESTORED.has(t))
    .sort(byTableOrder);
  return {
    name: record.name,
    description: record.description,
    dataAt: dataTimeOf(record),
    where,
    tables: names.map((name) => ({
      name,
      now: now ? (now[name] ?? 0) : null,
      after: after ? (after[name] ?? 0) : null,
    })),
    nowUnknown,
  };
}

/**
 * The rows of each table of the live database now, counted off the server's thread; null with
 * the reason when they cannot be (no database file, or it cannot be read).
 */
export async function rowsNow(
  database: string,
): Promise<{ now: Record<string, number> | null; nowUnknown: string | null }> {
  if (!existsSync(database)) return { now: null, nowUnknown: "there is no database file" };
  try {
    const counted = await countRowsInWorker({ path: database });
    return { now: Object.fromEntries(counted.map((t) => [t.name, t.rows])), nowUnknown: null };
  } catch (error) {
    return { now: null, nowUnknown: `the database cannot be read (${describeError(error)})` };
  }
}

/**
 * The rows of each table of a backup: those recorded with it, or counted in its file (at `path`,
 * null when it is not in the backup folder) when it passed its check and has none recorded.
 */
export async function rowsInBackup(
  record: ManifestRecord,
  path: string | null,
): Promise<Record<string, number> | null> {
  if (record.rowCounts) return record.rowCounts;
  if (path === null || record.health !== "verified") return null;
  try {
    const counted = await countRowsInWorker({ path });
    return Object.fromEntries(counted.map((t) => [t.name, t.rows]));
  } catch {
    return null;
  }
}

/**
 * Tables a restore does not bring back as they are in the backup: sessions (a restore ends them
 * all) and the audit trail (it lives in its own file, out of a restore's reach).
 */
const NOT_RESTORED = new Set(["sessions", "audit_log"]);

/** The shop's tables first, by name; the users after them. */
function byTableOrder(a: string, b: string): number {
  const rank = (t: string) => (t === "users" ? 1 : 0);
  return rank(a) - rank(b) || a.localeCompare(b);
}
