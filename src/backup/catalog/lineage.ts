import { type ManifestRecord, newestHealthy } from "./manifest.ts";
import type { BackupKind } from "./names.ts";

/**
 * Which backups hold the data of this database, and which of them is the newest: what Emergency
 * Restore, `restore --latest`, recovery and restore drills choose from. Only backups the app took
 * of a database (at start, on schedule, by hand, before a restore or an update) count, and only
 * those of this database (`databaseId`), newest by the time their data was taken (`dataAt`), never
 * by when a file arrived. Uploads and files copied in are restored only by name.
 */

/** The kinds of backup the app takes of a database itself. */
const TAKEN: ReadonlySet<BackupKind> = new Set([
  "startup",
  "automatic",
  "manual",
  "pre_restore",
  "pre_update",
]);

/** When `record`'s data was taken: recorded when it was made, or (an older version's) its time. */
export function dataTimeOf(record: Pick<ManifestRecord, "dataAt" | "createdAt">): string {
  return record.dataAt ?? record.createdAt;
}

/** True when `r` is a backup the app took of the database `databaseId` (see `lineageOf`). */
function ofLineage(r: Pick<ManifestRecord, "kind" | "databaseId">, databaseId: string | null): boolean {
  return (
    TAKEN.has(r.kind) &&
    (databaseId === null ||
      r.databaseId === undefined ||
      r.databaseId === null ||
      r.databaseId === databaseId)
  );
}

/** The order of a lineage: newer data first, then by name, descending. */
function newerFirst(
  a: Pick<ManifestRecord, "dataAt" | "createdAt" | "name">,
  b: Pick<ManifestRecord, "dataAt" | "createdAt" | "name">,
): number {
  return dataTimeOf(b).localeCompare(dataTimeOf(a)) || b.name.localeCompare(a.name);
}

/**
 * The backups of the database `databaseId` (null: not known, then all the app took), newest data
 * first. A backup an older version took has no identity recorded: it counts as this database's.
 */
export function lineageOf<
  T extends Pick<ManifestRecord, "kind" | "databaseId" | "dataAt" | "createdAt" | "name">,
>(records: T[], databaseId: string | null): T[] {
  return records.filter((r) => ofLineage(r, databaseId)).sort(newerFirst);
}

/**
 * The newest good backup as the pages, the alerts and the delete rule name it: the one Emergency
 * Restore would put back (this database's newest data, not a safety copy of a damaged database),
 * else — no backup of this database is good — the newest good backup of any kind. The first of
 * `lineageOf` that is good, found in one pass: every page asks, with thousands of backups.
 */
export function newestGood(records: ManifestRecord[], databaseId: string | null): ManifestRecord | undefined {
  let newest: ManifestRecord | undefined;
  for (const r of records)
    if (r.health === "verified" && !r.sourceDamaged && ofLineage(r, databaseId))
      if (!newest || newerFirst(r, newest) < 0) newest = r;
  return newest ?? newestHealthy(records);
}

/** The newest time of data the app recorded for a backup it took (`dataAt`), or null. */
export function newestDataAt(records: ManifestRecord[]): string | null {
  let newest: string | null = null;
  for (const r of records) if (r.dataAt && (newest === null || r.dataAt > newest)) newest = r.dataAt;
  return newest;
}
