import { rm } from "node:fs/promises";
import { join } from "node:path";
import { lineageOf } from "../backup/catalog/lineage.ts";
import type { BroughtIn, RestoreResult } from "../backup/context.ts";
import type { BackupEngine } from "../backup/engine.ts";
import {
  BackupNotFoundError,
  BackupUnusableError,
  ChoiceChangedError,
  NoUsableBackupError,
} from "../backup/errors.ts";
import { describeError } from "../lib/errors.ts";
import { sha256File } from "../lib/hash.ts";
import type { Log } from "../lib/log.ts";
import type { SqlDatabase } from "../runtime/types.ts";
import { mergeAuditCopy } from "./audit-copy.ts";
import type { RemoteCopy } from "./copies.ts";
import { CopyNotFoundError, OffsiteError } from "./errors.ts";
import type { OffsiteService } from "./service.ts";
import type { TargetId } from "./target.ts";

export interface OffsiteRestoreDeps {
  engine: BackupEngine;
  offsite: OffsiteService;
  log: Log;
  /** The audit trail: a restore from a place brings back the entries of the trail's copy there. */
  audit?: { merge(source: SqlDatabase): number };
}

export interface OffsiteRestoreOptions {
  by: string | null;
  /** One target only; otherwise each in turn, the mirror folder first. */
  from?: TargetId;
  /** The bytes of the copy downloaded so far, and its size. */
  onDownload?: (copy: RemoteCopy, bytes: number) => void;
  /** The newest copy only if it is this one (the backup a confirmation named): `ChoiceChangedError` else. */
  expected?: string | null;
}

/** Each target to look in, with the copies it offers (newest first), listed only when reached. */
async function* copiesByTarget(offsite: OffsiteService, purpose: "named" | "latest", from?: TargetId) {
  const ids = from ? [from] : offsite.targets().map((t) => t.id);
  for (const id of ids) yield { id, copies: await offsite.contents(id, purpose) };
}

/**
 * Whether the backup folder's file called `copy.name` can be used as it is: false when there is
 * none, or it is damaged and was, when made, this same backup (or is unknown): the download may
 * replace it; true when it holds the same bytes. Any other file of that name is refused
 * (`offsite.conflict`): a file copied in by hand, or another backup, is never overwritten.
 */
async function usableHere(deps: OffsiteRestoreDeps, copy: RemoteCopy): Promise<boolean> {
  const here = deps.engine.list().find((r) => r.name === copy.name);
  if (!here || (here.health === "damaged" && (here.sha256 ?? copy.sha256) === copy.sha256)) return false;
  // Its recorded SHA-256 when it has one (the restore checks the bytes against it), else its bytes now.
  const sha256 = here.sha256 ?? (await sha256File(join(deps.engine.backupsDir, copy.name)));
  if (sha256 === copy.sha256) return true;
  throw new OffsiteError(
    "offsite.conflict",
    `another backup called ${copy.name} is in the backup folder`,
    "restore it by its name, or move it out of the backup folder first",
  );
}

/**
 * Restores `copy` from target `id`: unless the backup folder already holds it, it is downloaded
 * to a hidden temporary file there (`fetch`: decrypted, its SHA-256 checked), then moved in under
 * the operation lock, in the same hold as the engine's restore (the full check, the safety
 * backup, the swap), so no backup, retention or delete meets it in between. A download that is
 * not moved in (busy, a conflict, a failure) is removed.
 */
async function restoreCopy(
  deps: OffsiteRestoreDeps,
  id: TargetId,
  copy: RemoteCopy,
  options: OffsiteRestoreOptions,
): Promise<RestoreResult> {
  const by = options.by;
  if (await usableHere(deps, copy)) return deps.engine.restore(copy.name, { by });
  const target = deps.offsite.target(id);
  deps.log.info(`Downloading the off-site copy ${copy.copyName} from ${target.label} (${target.where})`);
  const temp = await deps.offsite.fetch(id, copy, (bytes) => options.onDownload?.(copy, bytes));
  try {
    const bringIn = async (moveIn: (temp: string, about: BroughtIn) => Promise<void>) => {
      // Looked at again under the lock: the folder may have changed during the download.
      if (await usableHere(deps, copy)) return;
      // Only a copy proven the app's own says what it is; any other is rebuilt when restored.
      const about: BroughtIn = copy.proven
        ? {
            createdAt: copy.createdAt,
            sha256: copy.sha256,
            description: copy.description,
            createdBy: copy.createdBy,
            origin: copy.origin,
            databaseId: copy.databaseId,
            dataAt: copy.dataAt,
            rowCounts: copy.rowCounts,
          }
        : {
            createdAt: copy.createdAt,
            sha256: copy.sha256,
            description: "",
            createdBy: null,
            origin: null,
            databaseId: null,
            dataAt: null,
          };
      await moveIn(temp, about);
    };
    const result = await deps.engine.restore(copy.name, { by, bringIn });
    await bringBackAuditTrail(deps, id);
    return result;
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}

/**
 * After a restore from place `id` (on a new PC, say): the entries of the audit trail's copy there
 * that the trail here lacks are added (`mergeAuditCopy`). The restore stands whatever happens here:
 * a failure is a WARNING, and a place without a copy (no passphrase) says so in the log.
 */
async function bringBackAuditTrail(deps: OffsiteRestoreDeps, id: TargetId): Promise<void> {
  if (!deps.audit) return;
  const label = deps.offsite.target(id).label;
  let temp: string | null = null;
  try {
    temp = await deps.offsite.fetchAuditTrail(id);
    if (!temp) {
      deps.log.info(`${label} holds no copy of the audit trail (it is copied only with a passphrase)`);
      return;
    }
    const added = mergeAuditCopy(temp, deps.audit);
    deps.log.info(`Audit trail brought back from ${label}: ${added} entries added`);
  } catch (error) {
    deps.log.warning(`The audit trail's copy in ${label} was not brought back: ${describeError(error)}`);
  } finally {
    if (temp) await rm(temp, { force: true }).catch(() => {});
  }
}

/**
 * Restores backup `name` from an off-site copy (`restoreCopy`). Works in an empty data folder.
 * Throws `CopyNotFoundError` when no target has it, and the errors of the download and the restore.
 */
export async function restoreFromOffsite(
  deps: OffsiteRestoreDeps,
  name: string,
  options: OffsiteRestoreOptions,
): Promise<RestoreResult> {
  for await (const { id, copies } of copiesByTarget(deps.offsite, "named", options.from)) {
    const copy = copies.find((c) => c.name === name);
    if (copy) return restoreCopy(deps, id, copy, options);
  }
  const where = options.from ? deps.offsite.target(options.from).label : "any off-site place";
  throw new CopyNotFoundError(name, where);
}

/**
 * Restores the off-site copy of this database with the newest data that passes the full check
 * (`lineageOf`: the app's own backups of a database, never an upload or a file copied in; on a new
 * PC, where nothing tells which database, those of any): copies are tried newest first, one that
 * fails its check or its download (damaged) is skipped with a WARNING. A wrong passphrase ends the
 * search at once. `NoUsableBackupError` when none is usable.
 */
export async function restoreLatestFromOffsite(
  deps: OffsiteRestoreDeps,
  options: OffsiteRestoreOptions,
): Promise<RestoreResult> {
  const identity = deps.engine.identity();
  for await (const { id, copies } of copiesByTarget(deps.offsite, "latest", options.from)) {
    for (const copy of lineageOf(copies, identity)) {
      if (options.expected && copy.name !== options.expected)
        throw new ChoiceChangedError(options.expected, copy.name);
      try {
        return await restoreCopy(deps, id, copy, options);
      } catch (error) {
        const skip =
          error instanceof BackupUnusableError ||
          (error instanceof OffsiteError &&
            (error.code === "offsite.damaged" || error.code === "offsite.conflict"));
        if (!skip) throw error;
        deps.log.warning(`Off-site copy ${copy.copyName} skipped: ${describeError(error)}`);
      }
    }
  }
  throw new NoUsableBackupError();
}

/**
 * The web's restore of a backup: the local file, or, when it is missing or fails its check, its
 * off-site copy (`restoreFromOffsite`). Without an off-site copy the local failure stands.
 */
export async function restoreWithFallback(deps: OffsiteRestoreDeps, name: string, by: string | null) {
  try {
    return await deps.engine.restore(name, { by });
  } catch (error) {
    if (!deps.offsite.configured) throw error;
    if (!(error instanceof BackupNotFoundError || error instanceof BackupUnusableError)) throw error;
    deps.log.warning(`Backup ${name} is not usable here; restoring it from its off-site copy`);
    try {
      return await restoreFromOffsite(deps, name, { by });
    } catch (fallback) {
      throw fallback instanceof CopyNotFoundError ? error : fallback;
    }
  }
}

/**
 * The emergency restore: the newest usable local backup, or else the newest usable off-site copy;
 * with `expected` (the backup its confirmation named), only that one (`ChoiceChangedError` else).
 */
export async function emergencyRestoreWithFallback(
  deps: OffsiteRestoreDeps,
  by: string | null,
  expected: string | null = null,
) {
  try {
    return await deps.engine.emergencyRestore({ by, expected });
  } catch (error) {
    if (!(error instanceof NoUsableBackupError) || !deps.offsite.configured) throw error;
    deps.log.warning("No local backup is usable; restoring the newest usable off-site copy");
    return restoreLatestFromOffsite(deps, { by, expected });
  }
}
