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

/**
 * The backups of the database `databaseId` (null: not known, then all the app took), newest data
 * first. A backup an older version took has no identity recorded: it counts as this database's.
 */
export function lineageOf<
  T extends Pick<ManifestRecord, "kind" | "databaseId" | "dataAt" | "createdAt" | "name">,
>(records: T[], databaseId: string | null): T[] {
  return records
    .filter((r) => TAKEN.has(r.kind))
    .filter(
      (r) =>
        databaseId === null ||
        r.databaseId === undefined ||
        r.databaseId === null ||
        r.databaseId === databaseId,
    )
    .sort((a, b) => dataTimeOf(b).localeCompare(dataTimeOf(a)) || b.name.localeCompare(a.name));
}

/**
 * The newest good backup as the pages, the alerts and the delete rule name it: the one Emergency
 * Restore would put back (this database's newest data, not a safety copy of a damaged database),
 * else — no backup of this database is good — the newest good backup of any kind.
 */
export function newestGood(records: ManifestRecord[], databaseId: string | null): ManifestRecord | undefined {
  return (
    lineageOf(records, databaseId).find((r) => r.health === "verified" && !r.sourceDamaged) ??
    newestHealthy(records)
  );
}

/** The newest time of data the app recorded for a backup it took (`dataAt`), or null. */
export function newestDataAt(records: ManifestRecord[]): string | null {
  let newest: string | null = null;
  for (const r of records) if (r.dataAt && (newest === null || r.dataAt > newest)) newest = r.dataAt;
  return newest;
}
