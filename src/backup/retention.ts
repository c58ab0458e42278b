import { type BackupEntry, newestHealthy } from "./manifest.ts";
import type { BackupKind } from "./names.ts";

export interface RetentionLimits {
  automatic: number;
  /** null: unlimited. */
  manual: number | null;
  pre_restore: number;
  pre_update: number;
}

/**
 * The backups to delete, given a listing sorted newest first. Per kind, the newest `limit`
 * verified backups are kept and older verified ones go. Damaged and unchecked backups are never
 * counted as kept ones and never deleted here (a person decides about them); startup, uploaded
 * and external backups are never deleted; the newest verified backup of all is never deleted.
 */
export function planRetention<T extends Pick<BackupEntry, "name" | "kind" | "health">>(
  listing: T[],
  limits: RetentionLimits,
  /** Backups that must stay whatever their age (the one just restored). */
  protect: ReadonlySet<string> = new Set(),
): T[] {
  const newest = newestHealthy(listing);
  const doomed: T[] = [];
  for (const kind of ["automatic", "manual", "pre_restore", "pre_update"] as const satisfies BackupKind[]) {
    const limit = limits[kind];
    if (limit === null) continue;
    const healthy = listing.filter((r) => r.kind === kind && r.health === "verified");
    for (const record of healthy.slice(limit)) {
      if (record !== newest && !protect.has(record.name)) doomed.push(record);
    }
  }
  return doomed;
}
