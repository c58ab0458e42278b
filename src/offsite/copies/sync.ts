import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { chacha20poly1305 } from "#runtime/aead.ts";
import { type ManifestRecord, newestFirst, type RetentionFacts } from "../../backup/index.ts";
import { formatBytes } from "../../lib/format.ts";
import type { Log } from "../../lib/log.ts";
import type { Clock } from "../../lib/time.ts";
import type { PlaceKey } from "../crypto/keys.ts";
import { OffsiteError } from "../errors.ts";
import type { OffsiteTarget } from "../places/target.ts";
import { copyAuditTrail } from "./audit-copy.ts";
import { type RemoteCopy, readContents, type TargetContents } from "./copies.ts";
import { copyBackup, removeCopy } from "./copy.ts";
import type { PlaceLedger } from "./ledger.ts";
import { type CopyPolicy, planCopies, planRemovals } from "./plan.ts";

/** A copy on its way: the backup, and the bytes of it read so far. */
export interface CopyProgress {
  target: OffsiteTarget;
  name: string;
  done: number;
  total: number;
}

export interface SyncRequest {
  target: OffsiteTarget;
  /** What this installation records writing there. */
  ledger: PlaceLedger;
  /** The place's key (a passphrase is set), or null: plain copies, unsigned. */
  key: PlaceKey | null;
  /** The local backups now, newest first. */
  local: ManifestRecord[];
  pathOf: (name: string) => string;
  policy: CopyPolicy;
  /** What retention there is judged against (as locally); default: the clock, no failed backup. */
  facts?: RetentionFacts;
  clock: Clock;
  log: Log;
  onProgress?: (progress: CopyProgress | null) => void;
  signal?: AbortSignal;
  /** The audit trail (`business_audit.db`): copied along when the place has a key. */
  auditPath?: string;
  /** Where its snapshot is made before it goes (the backup folder). */
  tempDir?: string;
}

/** One run over every target: each target's report, or why it failed (neither: given up). */
export type RunResult = { target: OffsiteTarget; report: SyncReport | null; error: OffsiteError | null }[];

export interface SyncReport {
  copied: RemoteCopy[];
  removed: RemoteCopy[];
  /** What the target holds afterwards, newest first (the app's own, proven copies). */
  copies: RemoteCopy[];
  /** Objects there that BusinessApp did not write, or cannot prove it wrote: left alone. */
  foreign: string[];
}

/** Refuses to write plain copies into a place that holds encrypted ones. */
function refusePlainInto(target: OffsiteTarget): OffsiteError {
  return new OffsiteError(
    "offsite.no_passphrase",
    `${target.label} holds encrypted copies, and no passphrase is set on this PC`,
    "set the passphrase they were made with (BUSINESS_APP_OFFSITE_PASSPHRASE, or offsite_passphrase); nothing is written there until then",
  );
}

/**
 * Brings one target up to date. What this installation's interrupted runs left there is cleared
 * (`tidy`, and the half-written objects its ledger names); nothing else is ever removed. The
 * local backups that `planCopies` names are copied (newest first, each with `copyBackup`'s
 * guarantees); only once all of them are there does retention off-site remove old copies
 * (`planRemovals`, over the app's own proven copies only, never the newest of each kind; a copy's
 * sidecar goes first), and plain copies of this installation's that encrypted ones replace. A
 * backup that changed since it was made is skipped with a WARNING; any other failure ends the run
 * with its `OffsiteError`. A place that holds encrypted copies gets no plain one: without a
 * passphrase the run writes nothing there (`offsite.no_passphrase`).
 */
export async function syncTarget(request: SyncRequest): Promise<SyncReport> {
  const { target, log, ledger, key, signal } = request;
  await target.tidy(signal);
  const before = await readContents(
    target,
    { key, passphrase: key !== null, record: ledger.record() },
    signal,
  );
  if (before.encrypted && !key) throw refusePlainInto(target);
  await removeLeftovers(request, before);
  const facts = request.facts ?? { now: request.clock(), automaticFailedAt: null };
  const copied: RemoteCopy[] = [];
  for (const record of planCopies(request.local, before.copies, request.policy, facts.now)) {
    const path = request.pathOf(record.name);
    // Removed by local retention meanwhile: nothing to copy.
    if (!existsSync(path)) continue;
    const copy = await copyOne(request, record, path);
    if (copy) copied.push(copy);
  }
  const replaced = new Set(copied.map((c) => c.name));
  // The same backup copied before in the other form (plain, or encrypted) goes.
  for (const old of before.copies.filter(
    (c) => replaced.has(c.name) && !copied.some((n) => n.copyName === c.copyName),
  ))
    await removeCopy(target, ledger, old.copyName, signal);
  for (const old of before.superseded) {
    await removeCopy(target, ledger, old.copyName, signal);
    log.info(
      `Removed plain off-site copy: ${old.copyName} from ${target.label} (the place now holds encrypted copies)`,
    );
  }
  // The copies there now: the new ones, and those before of backups not copied again.
  const after = [...copied, ...before.copies.filter((c) => !replaced.has(c.name))];
  const removed = planRemovals(after, request.policy.retention, facts);
  for (const copy of removed) {
    await removeCopy(target, ledger, copy.copyName, signal);
    log.info(`Removed old off-site copy: ${copy.copyName} from ${target.label}`);
  }
  const gone = new Set(removed.map((c) => c.copyName));
  // With the place's key, the audit trail goes along (encrypted), unless the same is there already.
  if (key && request.auditPath) {
    const wrote = await copyAuditTrail({
      target,
      ledger,
      key,
      auditPath: request.auditPath,
      tempDir: request.tempDir ?? dirname(request.auditPath),
      present: before.audit,
      clock: request.clock,
      ...(signal ? { signal } : {}),
    });
    if (wrote) log.info(`Audit trail copied to ${target.label}`);
  }
  return {
    copied,
    removed,
    copies: after.filter((c) => !gone.has(c.copyName)).sort(newestFirst),
    foreign: before.foreign,
  };
}

/**
 * What this installation's interrupted runs left half written (names it recorded as being
 * written): removed, each logged, and forgotten. Copies it recorded that are no longer whole or
 * proven are forgotten, and left where they are.
 */
async function removeLeftovers(request: SyncRequest, contents: TargetContents): Promise<void> {
  const { target, log } = request;
  for (const name of contents.leftovers) {
    await target.remove(name, request.signal);
    log.info(`Removed what an interrupted off-site copy left in ${target.label}: ${name}`);
  }
  for (const name of contents.lost)
    log.warning(
      `${target.label} (${target.where}): the off-site copy ${name} is no longer as BusinessApp wrote it; left alone`,
    );
  await request.ledger.change((r) => {
    r.writing = {};
    for (const name of contents.lost) delete r.copies[name];
  });
}

async function copyOne(
  request: SyncRequest,
  record: ManifestRecord & { sha256: string },
  path: string,
): Promise<RemoteCopy | null> {
  const { target, log } = request;
  const started = performance.now();
  const show = (done: number) =>
    request.onProgress?.({ target, name: record.name, done, total: record.size });
  show(0);
  try {
    const copy = await copyBackup({
      target,
      record,
      path,
      key: request.key,
      ledger: request.ledger,
      clock: request.clock,
      onProgress: show,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    // Which cipher ran says why a PC copies slowly (the JavaScript one, where no library loads).
    const how = copy.encrypted ? `, encrypted by ${chacha20poly1305().name}` : "";
    log.info(
      `Off-site copy made: ${copy.copyName} to ${target.label} (${formatBytes(copy.size)} in ${seconds} s${how})`,
    );
    return copy;
  } catch (error) {
    if (!(error instanceof OffsiteError && error.code === "offsite.local_changed")) throw error;
    log.warning(`Off-site copy of ${record.name} skipped: ${error.message}`);
    return null;
  } finally {
    request.onProgress?.(null);
  }
}
