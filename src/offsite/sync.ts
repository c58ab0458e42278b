import { existsSync } from "node:fs";
import { type ManifestRecord, newestFirst } from "../backup/manifest.ts";
import { formatBytes } from "../lib/format.ts";
import type { Log } from "../lib/log.ts";
import type { Clock } from "../lib/time.ts";
import { type RemoteCopy, readContents, sidecarNameOf } from "./copies.ts";
import { copyBackup } from "./copy.ts";
import { OffsiteError } from "./errors.ts";
import { type CopyPolicy, planCopies, planRemovals } from "./plan.ts";
import type { OffsiteTarget } from "./target.ts";

/** A copy on its way: the backup, and the bytes of it read so far. */
export interface CopyProgress {
  target: OffsiteTarget;
  name: string;
  done: number;
  total: number;
}

export interface SyncRequest {
  target: OffsiteTarget;
  /** The local backups now, newest first. */
  local: ManifestRecord[];
  pathOf: (name: string) => string;
  policy: CopyPolicy;
  passphrase: string | null;
  clock: Clock;
  log: Log;
  onProgress?: (progress: CopyProgress | null) => void;
  signal?: AbortSignal;
}

/** One run over every target: each target's report, or why it failed (neither: given up). */
export type RunResult = { target: OffsiteTarget; report: SyncReport | null; error: OffsiteError | null }[];

export interface SyncReport {
  copied: RemoteCopy[];
  removed: RemoteCopy[];
  /** What the target holds afterwards, newest first. */
  copies: RemoteCopy[];
}

/**
 * Brings one target up to date: what interrupted copies left is removed, the local backups that
 * `planCopies` names are copied (newest first, each with `copyBackup`'s guarantees), then
 * retention off-site removes old copies (`planRemovals`, which never removes the newest copy; a
 * copy's sidecar goes first, so a half-removed copy is not listed). A backup that changed since
 * it was made is skipped with a WARNING; any other failure ends the run with its `OffsiteError`.
 */
export async function syncTarget(request: SyncRequest): Promise<SyncReport> {
  const { target, log } = request;
  await target.tidy();
  const before = await readContents(target);
  for (const name of before.incomplete) await target.remove(name);
  const copied: RemoteCopy[] = [];
  for (const record of planCopies(request.local, before.copies, request.policy)) {
    const path = request.pathOf(record.name);
    // Removed by local retention meanwhile: nothing to copy.
    if (!existsSync(path)) continue;
    const started = performance.now();
    const show = (done: number) =>
      request.onProgress?.({ target, name: record.name, done, total: record.size });
    show(0);
    try {
      const copy = await copyBackup({
        target,
        record,
        path,
        passphrase: request.passphrase,
        clock: request.clock,
        onProgress: show,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      copied.push(copy);
      // The same backup copied before in the other form (encrypted, or plain) is replaced too.
      for (const old of before.copies.filter((c) => c.name === copy.name && c.copyName !== copy.copyName)) {
        await target.remove(sidecarNameOf(old.copyName));
        await target.remove(old.copyName);
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const how = copy.encrypted ? ", encrypted" : "";
      log.info(
        `Off-site copy made: ${copy.copyName} to ${target.label} (${formatBytes(copy.size)} in ${seconds} s${how})`,
      );
    } catch (error) {
      if (!(error instanceof OffsiteError && error.code === "offsite.local_changed")) throw error;
      log.warning(`Off-site copy of ${record.name} skipped: ${error.message}`);
    } finally {
      request.onProgress?.(null);
    }
  }
  const replaced = new Set(copied.map((c) => c.name));
  // The copies there now: the new ones, and those before of backups not copied again.
  const after = [...copied, ...before.copies.filter((c) => !replaced.has(c.name))];
  const removed = planRemovals(after, request.policy.retention);
  for (const copy of removed) {
    await target.remove(sidecarNameOf(copy.copyName));
    await target.remove(copy.copyName);
    log.info(`Removed old off-site copy: ${copy.copyName} from ${target.label}`);
  }
  const gone = new Set(removed.map((c) => c.copyName));
  return { copied, removed, copies: after.filter((c) => !gone.has(c.copyName)).sort(newestFirst) };
}
