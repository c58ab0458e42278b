import { lineageOf } from "../backup/catalog/lineage.ts";
import { type ManifestRecord, newestFirst } from "../backup/catalog/manifest.ts";
import type { BackupEngine } from "../backup/engine.ts";
import { BackupNotFoundError, NoUsableBackupError } from "../backup/errors.ts";
import type { RestorePreview } from "../backup/operations/restore-preview.ts";
import { copyAsRecord } from "../offsite/copies.ts";
import type { OffsiteService } from "../offsite/service.ts";
import type { OffsiteRows } from "../views/offsite-places.tsx";

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
  return { records, rows: { places: offsite.places(), only: new Set(only.map((r) => r.name)) } };
}

/**
 * What restoring `name` would do (`previewRestore`), from the backup folder or else its off-site
 * copy as last seen; for `name` null, what Emergency Restore would choose: the newest good backup
 * of this database here, or else (as its restore does) off-site. The errors of `findHereOrOffsite`,
 * and `NoUsableBackupError`.
 */
export async function previewHereOrOffsite(
  engine: BackupEngine,
  offsite: OffsiteService,
  name: string | null,
): Promise<RestorePreview> {
  if (name !== null) {
    const record = findHereOrOffsite(engine, offsite, name);
    const here = engine.list().some((r) => r.name === name);
    return here ? engine.previewRestore(name) : engine.previewCopy(record, "off-site");
  }
  try {
    return await engine.previewRestore(null);
  } catch (error) {
    if (!(error instanceof NoUsableBackupError) || !offsite.configured) throw error;
    const copy = lineageOf(offsite.knownCopies(), engine.identity())[0];
    if (!copy) throw error;
    return engine.previewCopy(copyAsRecord(copy), "off-site");
  }
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
    if (error instanceof BackupNotFoundError && copy) return copyAsRecord(copy);
    throw error;
  }
}
