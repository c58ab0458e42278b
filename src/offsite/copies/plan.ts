import type { BackupKind } from "../../backup/index.ts";
import {
  type ManifestRecord,
  newestFirst,
  planRetention,
  type RetentionFacts,
  type RetentionLimits,
} from "../../backup/index.ts";
import type { RemoteCopy } from "./copies.ts";

/** A local backup that may be copied: verified, with the SHA-256 recorded when it was made. */
export type CopyableRecord = ManifestRecord & { sha256: string };

/** What goes off-site and how many of each kind stay there. */
export interface CopyPolicy {
  kinds: ReadonlySet<BackupKind>;
  /** Retention off-site, per kind, as locally: the newest N copies of each kind stay, automatic ones also by calendar. */
  retention: RetentionLimits;
}

/**
 * A copy as retention judges it: every listed copy is whole and checked, so it counts as verified;
 * each kind is counted among one database's copies, as locally (`planRetention`).
 */
const asEntry = (item: {
  name: string;
  kind: BackupKind;
  createdAt: string;
  databaseId?: string | null;
  dataAt?: string | null;
}) => ({
  name: item.name,
  kind: item.kind,
  createdAt: item.createdAt,
  databaseId: item.databaseId ?? null,
  dataAt: item.dataAt ?? null,
  health: "verified" as const,
});

/**
 * The local backups to copy, newest first: verified backups of the chosen kinds (never a copy
 * of a damaged database) whose copy is missing or holds other bytes (the startup slot is
 * replaced), less those that retention off-site would remove at once (were it not waiting).
 */
export function planCopies(
  local: ManifestRecord[],
  remote: RemoteCopy[],
  policy: CopyPolicy,
  now: Date,
): CopyableRecord[] {
  const there = new Map(remote.map((copy) => [copy.name, copy.sha256]));
  const missing = local.filter(
    (r): r is CopyableRecord =>
      policy.kinds.has(r.kind) &&
      r.health === "verified" &&
      !r.sourceDamaged &&
      r.sha256 !== null &&
      there.get(r.name) !== r.sha256,
  );
  const afterwards = [
    ...remote.filter((copy) => !missing.some((r) => r.name === copy.name)).map(asEntry),
    ...missing.map(asEntry),
  ].sort(newestFirst);
  const doomed = new Set(
    planRetention(afterwards, policy.retention, {
      now,
      // Retention's wait keeps what is there; it never brings back what it would remove.
      automaticFailedAt: null,
    }).map((e) => e.name),
  );
  return missing.filter((r) => !doomed.has(r.name)).sort(newestFirst);
}

/**
 * The copies retention off-site removes, from what is there now (`planRetention` with the place's
 * limits and the same facts as locally): per kind the newest N of one database stay, automatic ones
 * also by calendar (the startup copies as many as `offsite_max_startup_backups`); uploaded and
 * external copies always stay, and so does the newest copy of all.
 */
export function planRemovals(
  remote: RemoteCopy[],
  retention: RetentionLimits,
  facts: RetentionFacts,
): RemoteCopy[] {
  const entries = [...remote].sort(newestFirst).map((copy) => ({ ...asEntry(copy), copy }));
  return planRetention(entries, retention, facts).map((e) => e.copy);
}
