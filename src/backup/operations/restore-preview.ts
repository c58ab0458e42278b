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
  let now: Record<string, number> | null = null;
  let nowUnknown: string | null = null;
  if (!existsSync(ctx.database)) nowUnknown = "there is no database file";
  else {
    try {
      now = Object.fromEntries(
        (await countRowsInWorker({ path: ctx.database })).map((t) => [t.name, t.rows]),
      );
    } catch (error) {
      nowUnknown = `the database cannot be read (${describeError(error)})`;
    }
  }
  let after: Record<string, number> | null = record.rowCounts ?? null;
  if (!after && where === null && record.health === "verified") {
    try {
      const counted = await countRowsInWorker({ path: ctx.folder.pathOf(record.name) });
      after = Object.fromEntries(counted.map((t) => [t.name, t.rows]));
    } catch {
      after = null;
    }
  }
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
 * Tables a restore does not bring back as they are in the backup: sessions (a restore ends them
 * all) and the audit trail (it lives in its own file, out of a restore's reach).
 */
const NOT_RESTORED = new Set(["sessions", "audit_log"]);

/** The shop's tables first, by name; the users after them. */
function byTableOrder(a: string, b: string): number {
  const rank = (t: string) => (t === "users" ? 1 : 0);
  return rank(a) - rank(b) || a.localeCompare(b);
}
