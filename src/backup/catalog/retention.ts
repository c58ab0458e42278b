import { type BackupEntry, newestHealthy } from "./manifest.ts";
import type { BackupKind } from "./names.ts";

export interface RetentionLimits {
  automatic: number;
  /** null: unlimited. */
  manual: number | null;
  pre_restore: number;
  pre_update: number;
  /** `startup_backup.db` and the ones before it (`startup_YYYYMMDD_HHMMSS.db`). */
  startup: number;
}

/**
 * The backups to delete, given a listing sorted newest first. Per kind, the newest `limit`
 * verified backups are kept and older verified ones go. Damaged and unchecked backups are never
 * counted as kept ones and never deleted here (a person decides about them); uploaded and external
 * backups are never deleted; the newest verified backup of all is never deleted. Each kind is
 * counted among the backups of one database only, the one its newest backup is of (`databaseId`;
 * one an older version made, with none recorded, counts as of it): the backups of another database
 * (before a start with an empty database, say) stay until a person deletes them.
 */
export function planRetention<
  T extends Pick<BackupEntry, "name" | "kind" | "health"> & { databaseId?: string | null },
>(
  listing: T[],
  limits: RetentionLimits,
  /** Backups that must stay whatever their age (the one just restored). */
  protect: ReadonlySet<string> = new Set(),
): T[] {
  const newest = newestHealthy(listing);
  const doomed: T[] = [];
  const kinds = [
    "automatic",
    "manual",
    "pre_restore",
    "pre_update",
    "startup",
  ] as const satisfies BackupKind[];
  for (const kind of kinds) {
    const limit = limits[kind];
    if (limit === null) continue;
    const ofKind = listing.filter((r) => r.kind === kind && r.health === "verified");
    const database = ofKind.find((r) => r.databaseId)?.databaseId ?? null;
    const healthy = ofKind.filter((r) => !r.databaseId || !database || r.databaseId === database);
    for (const record of healthy.slice(limit)) {
      if (record !== newest && !protect.has(record.name)) doomed.push(record);
    }
  }
  return doomed;
}
