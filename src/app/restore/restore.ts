import type { ManifestRecord, RestorePreview, RestoreResult } from "../../backup/index.ts";
import {
  BackupNotFoundError,
  BackupUnusableError,
  lineageOf,
  NoUsableBackupError,
} from "../../backup/index.ts";
import { copyAsRecord, type RemoteCopy } from "../../offsite/copies/copies.ts";
import {
  type OffsiteRestoreDeps,
  restoreFromOffsite,
  restoreLatestFromOffsite,
} from "../../offsite/copies/restore.ts";
import { CopyNotFoundError } from "../../offsite/errors.ts";
import type { TargetId } from "../../offsite/places/target.ts";

/**
 * Where a restore's backup comes from, decided in this one place for the Database Backup page, the
 * JSON API, the recovery page and the command line alike: the backup folder; else — the backup is
 * missing here or fails its check, or (Emergency Restore) nothing here is usable — its off-site
 * copy, the mirror folder first, then S3 (`offsite/copies/restore.ts` fetches and checks it and hands it
 * to the engine's restore as a file). With `from`, one place only, never the folder. What a
 * restore will do is told the same way (`previewRestoreOf`).
 */

/** What a restore works with (the engine, the places, the log, the audit trail): the off-site restore's. */
export type RestoreDeps = OffsiteRestoreDeps;

export interface RestoreRequest {
  /** The backup to restore; null: the newest good backup of this database (Emergency Restore). */
  name: string | null;
  /** One off-site place only (`restore --from`); absent or null: here, else off-site. */
  from?: TargetId | null;
  by: string | null;
  /** Emergency Restore only: the backup its question named; another choice restores nothing (`ChoiceChangedError`). */
  expected?: string | null;
  /** The bytes of an off-site copy downloaded so far. */
  onDownload?: (copy: RemoteCopy, bytes: number) => void;
}

/** Restores what `request` names from where this policy says; the engine's and the places' errors. */
export async function restoreBackup(deps: RestoreDeps, request: RestoreRequest): Promise<RestoreResult> {
  const { name, by } = request;
  const expected = request.expected ?? null;
  const offsite = { by, expected, ...(request.onDownload ? { onDownload: request.onDownload } : {}) };
  if (request.from) {
    const from = request.from;
    return name
      ? restoreFromOffsite(deps, name, { ...offsite, from })
      : restoreLatestFromOffsite(deps, { ...offsite, from });
  }
  if (name === null) {
    try {
      return await deps.engine.emergencyRestore({ by, expected });
    } catch (error) {
      if (!(error instanceof NoUsableBackupError) || !deps.offsite.configured) throw error;
      deps.log.warning("No local backup is usable; restoring the newest usable off-site copy");
      return restoreLatestFromOffsite(deps, offsite);
    }
  }
  try {
    return await deps.engine.restore(name, { by });
  } catch (error) {
    if (!deps.offsite.configured) throw error;
    if (!(error instanceof BackupNotFoundError || error instanceof BackupUnusableError)) throw error;
    deps.log.warning(`Backup ${name} is not usable here; restoring it from its off-site copy`);
    try {
      return await restoreFromOffsite(deps, name, offsite);
    } catch (fallback) {
      throw fallback instanceof CopyNotFoundError ? error : fallback;
    }
  }
}

/**
 * What `restoreBackup` would do with `request` (`previewRestore`), decided the same way: the
 * backup here or else its off-site copy as last seen; with `from`, the place looked at now.
 * `NoUsableBackupError` when Emergency Restore has nothing to choose, and `findBackup`'s errors.
 */
export async function previewRestoreOf(
  deps: Pick<RestoreDeps, "engine" | "offsite">,
  request: Pick<RestoreRequest, "name" | "from">,
): Promise<RestorePreview> {
  const { engine, offsite } = deps;
  const { name } = request;
  if (request.from) {
    const target = offsite.target(request.from);
    const copies = await offsite.contents(request.from, name ? "named" : "latest");
    const copy = name ? copies.find((c) => c.name === name) : lineageOf(copies, engine.identity())[0];
    if (!copy) {
      if (name) throw new CopyNotFoundError(name, target.label);
      throw new NoUsableBackupError();
    }
    return engine.previewCopy(copyAsRecord(copy), `in ${target.label}`);
  }
  if (name !== null) {
    const record = findBackup(deps, name);
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
export function findBackup(deps: Pick<RestoreDeps, "engine" | "offsite">, name: string): ManifestRecord {
  try {
    return deps.engine.find(name);
  } catch (error) {
    const copy = deps.offsite.knownCopies().find((c) => c.name === name);
    if (error instanceof BackupNotFoundError && copy) return copyAsRecord(copy);
    throw error;
  }
}
