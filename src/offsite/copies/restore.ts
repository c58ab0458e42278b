import { rm } from "node:fs/promises";
import type { BackupEngine, BroughtIn, RestoreResult } from "../../backup/index.ts";
import {
  BackupUnusableError,
  ChoiceChangedError,
  lineageOf,
  NameTakenError,
  NoUsableBackupError,
} from "../../backup/index.ts";
import { describeError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { CopyNotFoundError, OffsiteError } from "../errors.ts";
import type { TargetId } from "../places/target.ts";
import type { OffsiteService } from "../service.ts";
import { mergeAuditCopy } from "./audit-copy.ts";
import type { RemoteCopy } from "./copies.ts";

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

/** The off-site refusal of a copy whose name another backup here has. */
function nameTaken(name: string): OffsiteError {
  return new OffsiteError(
    "offsite.conflict",
    `another backup called ${name} is in the backup folder`,
    "restore it by its name, or move it out of the backup folder first",
  );
}

/** What is known of a copy brought in: all its story only when it is proven the app's own (any other is rebuilt when restored). */
function aboutCopy(copy: RemoteCopy): BroughtIn {
  return copy.proven
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
}

/**
 * Restores `copy` from target `id`: when the backup folder holds its very bytes already, that
 * file (`restoreHeld`); otherwise it is downloaded to a hidden temporary file there (`fetch`: decrypted, its
 * SHA-256 checked) and handed to the engine's restore as `incoming`, which brings it in under the
 * operation lock, in the same hold as the restore, so no backup, retention or delete meets it in
 * between. Another backup of the name is never replaced (`offsite.conflict`). A download that is
 * not brought in (busy, a conflict, a failure) is removed.
 */
async function restoreCopy(
  deps: OffsiteRestoreDeps,
  id: TargetId,
  copy: RemoteCopy,
  options: OffsiteRestoreOptions,
): Promise<RestoreResult> {
  const by = options.by;
  const meets = await deps.engine.compareIncoming(copy.name, copy.sha256);
  if (meets === "taken") throw nameTaken(copy.name);
  if (meets === "same") {
    const restored = await restoreHeld(deps, copy, by);
    if (restored) return restored;
  }
  const target = deps.offsite.target(id);
  deps.log.info(`Downloading the off-site copy ${copy.copyName} from ${target.label} (${target.where})`);
  const temp = await deps.offsite.fetch(id, copy, (bytes) => options.onDownload?.(copy, bytes));
  try {
    const result = await deps.engine
      .restore(copy.name, { by, incoming: { temp, about: aboutCopy(copy) } })
      .catch((error) => {
        throw error instanceof NameTakenError ? nameTaken(copy.name) : error;
      });
    await bringBackAuditTrail(deps, id);
    return result;
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}

/**
 * Restores the backup here that the manifest says holds `copy`'s bytes. The manifest speaks of
 * the file when it was checked: one damaged in place since keeps its name, size and recorded
 * SHA-256, fails the restore's hash or check, and is listed damaged by it — then null, and the
 * caller downloads the copy, which replaces it. Any other failure, or a file the restore did not
 * list damaged (a backup the trust rule refuses, its copy too), is thrown.
 */
async function restoreHeld(
  deps: OffsiteRestoreDeps,
  copy: RemoteCopy,
  by: string | null,
): Promise<RestoreResult | null> {
  try {
    return await deps.engine.restore(copy.name, { by });
  } catch (error) {
    if (!(error instanceof BackupUnusableError)) throw error;
    if ((await deps.engine.compareIncoming(copy.name, copy.sha256)) !== "free") throw error;
    deps.log.warning(`Backup ${copy.name} here is damaged; restoring its off-site copy instead`);
    return null;
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
