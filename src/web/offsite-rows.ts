import { type ManifestRecord, newestFirst } from "../backup/index.ts";
import { copyAsRecord } from "../offsite/copies/copies.ts";
import type { OffsiteService } from "../offsite/service.ts";
import type { OffsiteRows } from "../views/offsite/offsite-places.tsx";

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
    .map(copyAsRecord);
  const records = [...local, ...only].sort(newestFirst);
  return {
    records,
    rows: {
      places: offsite.places(),
      only: new Set(only.map((r) => r.name)),
      copied: (kind) => offsite.copies(kind),
    },
  };
}
