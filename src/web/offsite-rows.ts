import type { BackupEngine } from "../backup/engine.ts";
import { BackupNotFoundError } from "../backup/errors.ts";
import { type ManifestRecord, newestFirst } from "../backup/manifest.ts";
import type { RemoteCopy } from "../offsite/copies.ts";
import type { OffsiteService } from "../offsite/service.ts";
import type { OffsiteRows } from "../views/offsite-places.tsx";

/** A backup that is only off-site, as a row of the list: it was verified when it was copied. */
function rowOf(copy: RemoteCopy): ManifestRecord {
  return {
    name: copy.name,
    kind: copy.kind,
    createdAt: copy.createdAt,
    size: copy.size,
    description: copy.description,
    createdBy: copy.createdBy,
    health: "verified",
    sha256: copy.sha256,
    checkedAt: null,
    reason: null,
    sourceDamaged: false,
  };
}

/**
 * The list with off-site copies as last seen: where each backup has copies, and rows of their
 * own for backups that are only off-site (in the list's order among the others). Null when
 * off-site copies are not set up.
 */
export function withOffsiteRows(
  offsite: OffsiteService,
  local: ManifestRecord[],
): { records: ManifestRecord[]; rows: OffsiteRows } | null {
  if (!offsite.configured) return null;
  const here = new Set(local.map((r) => r.name));
  const only = offsite
    .knownCopies()
    .filter((c) => !here.has(c.name))
    .map(rowOf);
  const records = [...local, ...only].sort(newestFirst);
  return { records, rows: { places: offsite.places(), only: new Set(only.map((r) => r.name)) } };
}

/** The listed backup called `name`, or else its off-site copy as last seen; `engine.find`'s errors otherwise. */
export function findHereOrOffsite(
  engine: BackupEngine,
  offsite: OffsiteService,
  name: string,
): ManifestRecord {
  try {
    return engine.find(name);
  } catch (error) {
    const copy = offsite.knownCopies().find((c) => c.name === name);
    if (error instanceof BackupNotFoundError && copy) return rowOf(copy);
    throw error;
  }
}
