import { closeSync, ftruncateSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../../lib/errors.ts";
import { fsyncFileAsync, writeAll } from "../../lib/files/fs-sync.ts";
import { formatLogTime, showTime } from "../../lib/time.ts";
import type { BroughtIn } from "../catalog/manifest.ts";
import { backupFileName } from "../catalog/names.ts";
import type { CheckResult } from "../inspect/checks.ts";
import { setRollbackJournalMode } from "../inspect/journal-header.ts";
import {
  checkMomentInWorkers,
  checkRestorableInWorker,
  copyFileInWorker,
  inspectFileInWorker,
  pointStateInWorker,
} from "../inspect/worker-client.ts";
import type { InspectResult } from "../inspect/worker-protocol.ts";
import { BASE_FILE, type Chain, chainEnd, listChains } from "./files/chain.ts";
import { ChangeFileError, changeRecords } from "./files/change-file.ts";
import { baseChecked } from "./upkeep/base-check.ts";

/**
 * The database as it was at a moment: the chain whose base is the newest one taken at or before
 * it, carried forward by every transaction captured at or before it. What is built is proven
 * before anything uses it: its state (`StateHash`) must be the one the chain recorded for that
 * transaction; the restore that takes it then runs the full check as for any backup.
 */

export type PointErrorCode = "continuous.not_covered" | "continuous.damaged";

export class PointInTimeError extends AppError<PointErrorCode> {}

/** A moment a restore can go back to: the state after transaction `txn` of `chain`, captured at `at`. */
export interface PointInTime {
  chain: string;
  databaseId: string | null;
  txn: number;
  at: number;
  /** The first change captured after the moment asked for, in the same chain; null: none yet. */
  next: number | null;
  /** The SHA-256 of the file built, when it was inspected. */
  sha256: string | null;
}

/** The restorable window of `chains`: from the first base to the last captured transaction. */
export function windowOf(chains: Chain[]): { from: number; to: number } | null {
  const first = chains[0];
  const last = chains.at(-1);
  if (!first || !last) return null;
  return { from: first.info.createdAt, to: chainEnd(last).at };
}

/**
 * The chain in `backupsDir` a restore to `at` starts from: the newest whose base was taken at or
 * before it (only those of `databaseId` when given); `PointInTimeError` when none was.
 */
export function chainAt(backupsDir: string, at: number, databaseId?: string | null): Chain {
  const chains = listChains(backupsDir).filter((c) => !databaseId || c.info.databaseId === databaseId);
  return chooseChain(chains, at);
}

function chooseChain(chains: Chain[], at: number): Chain {
  const chain = chains.filter((c) => c.info.createdAt <= at).at(-1);
  if (chain) return chain;
  const first = chains[0];
  throw new PointInTimeError(
    "continuous.not_covered",
    first
      ? `Nothing can be restored as it was at ${showTime(new Date(at))}: continuous protection goes back to ${showTime(new Date(first.info.createdAt))}.`
      : "Nothing can be restored to a point in time: continuous protection has captured nothing here yet.",
  );
}

/** A moment built (`buildPointInTime`) and its inspection (`inspectFileInWorker`), when asked for. */
export interface BuiltPoint extends PointInTime {
  inspection: InspectResult | null;
  /** With its full check made in parts, the tables compared row by row with their indexes; else null. */
  compared: string[] | null;
}

/**
 * Writes the database as it was at `at` (ms) into `target` (a new file), flushed, in
 * rollback-journal mode, from the chains in `backupsDir` (only those of `databaseId` when given),
 * and proves it: its state recomputed, and with `check` the full check a restore needs
 * (`checkRestorable`: the trust rule, `integrity_check`), or with `inspect` that check with what a
 * backup records of it (`inspectFileInWorker`:
 * `integrity_check`, the trust rule, the SHA-256, the rows), both in worker threads at once.
 * With `check` and `baseCheck` (the app's own chains here, never a place's) and a base whose full
 * check is recorded (`baseChecked`), that full check in parts: the whole file's `quick_check`,
 * and its tables compared with their indexes only where the chain wrote (`checkMomentInWorkers`).
 * Returns the moment it holds: the last transaction captured at or before `at`.
 */
export async function buildPointInTime(
  backupsDir: string,
  at: number,
  target: string,
  options: {
    databaseId?: string | null;
    check?: boolean;
    inspect?: boolean;
    ownChain?: boolean;
    baseCheck?: boolean;
  } = {},
): Promise<BuiltPoint> {
  const { databaseId } = options;
  const first = chainAt(backupsDir, at, databaseId);
  const { pageSize } = first.info;
  let point: ReturnType<typeof applyChanges>;
  let state: string;
  let inspection: InspectResult | null = null;
  let check: CheckResult | null = null;
  // A file built from the app's own chain, written by nobody else, is checked through a map;
  // a chain not proven the app's own is read page by page, as any file from elsewhere.
  const mapped = options.ownChain !== false;
  try {
    await copyFileInWorker({ source: join(first.dir, BASE_FILE), target });
    // Listed again: the serving app's capture may have merged files while the base was copied.
    // Nothing waits between this listing and their reading.
    const chain = listChains(backupsDir).find((c) => c.info.id === first.info.id) ?? first;
    point = applyChanges(chain, at, target);
    const base = join(chain.dir, BASE_FILE);
    const inParts = options.check && !options.inspect && mapped && options.baseCheck && baseChecked(chain);
    // All finish before anything else happens to the file (a thread still reading it would keep
    // it from being removed on Windows). The flush runs beside the proofs, on the runtime's pool:
    // gigabytes written out would stop the app's thread for seconds.
    const proofs = await Promise.allSettled([
      pointStateInWorker({ path: target, pageSize, size: point.size }),
      options.inspect ? inspectFileInWorker({ path: target, mapped }) : null,
      inParts
        ? checkMomentInWorkers({ path: target, base, written: point.written })
        : options.check && !options.inspect
          ? checkRestorableInWorker({ path: target, mapped })
          : null,
      fsyncFileAsync(target),
    ]);
    const failed = proofs.find((p) => p.status === "rejected");
    if (failed) throw failed.reason;
    [state, inspection, check] = proofs.map((p) => (p as PromiseFulfilledResult<unknown>).value) as [
      string,
      InspectResult | null,
      CheckResult | null,
    ];
  } catch (error) {
    rmSync(target, { force: true });
    if (error instanceof PointInTimeError) throw error;
    if (error instanceof ChangeFileError)
      throw new PointInTimeError(
        "continuous.damaged",
        `Continuous protection cannot go back there: ${error.message}.`,
      );
    throw error;
  }
  const refuse = (why: string) => {
    rmSync(target, { force: true });
    return new PointInTimeError("continuous.damaged", `Continuous protection cannot go back there: ${why}.`);
  };
  if (state !== point.state)
    throw refuse(
      `the database it rebuilt is not the one it recorded (chain ${first.info.id}, transaction ${point.txn})`,
    );
  const checked = inspection?.check ?? check;
  if (checked && !checked.ok) throw refuse(`the database it rebuilt fails its check (${checked.reason})`);
  return {
    chain: first.info.id,
    databaseId: first.info.databaseId,
    txn: point.txn,
    at: point.at,
    next: point.next,
    sha256: inspection?.sha256 ?? null,
    inspection,
    compared: check && "tablesCompared" in check ? (check.tablesCompared as string[] | null) : null,
  };
}

/**
 * Carries the copy of `chain`'s base at `target` forward by every transaction captured at or
 * before `at`, then cuts it to the size of the last and switches it to rollback-journal mode (the
 * caller flushes it). Returns that transaction's number, time, state and size, and the next change's time.
 */
function applyChanges(chain: Chain, at: number, target: string) {
  const { pageSize } = chain.info;
  const point = { txn: 0, at: chain.info.createdAt, state: chain.info.state, size: chain.info.size };
  const written = new Set<number>();
  let next: number | null = null;
  const fd = openSync(target, "r+");
  try {
    let done = false;
    for (const file of chain.files) {
      if (file.header.from > at) {
        next ??= file.header.from;
        break;
      }
      // Every record is read (the file is proven whole at its end); those after the moment only name the next one.
      for (const record of changeRecords(file.path)) {
        if (done || record.at > at) {
          done = true;
          next ??= record.at;
          continue;
        }
        // A database grows only by the pages a transaction writes (and SQLite's lock-byte page).
        const limit = Math.max(point.size, record.size);
        if (
          record.size > point.size + record.pages.size + 1 ||
          [...record.pages.keys()].some((p) => p > limit + record.pages.size)
        )
          throw new ChangeFileError(file.path, "holds a transaction that makes no sense");
        for (const [page, image] of record.pages) {
          writeAll(fd, image.subarray(0, pageSize), (page - 1) * pageSize);
          written.add(page);
        }
        Object.assign(point, { txn: record.txn, at: record.at, state: record.state, size: record.size });
      }
      if (done) break;
    }
    // A gap before the moment: what comes after it cannot be proven; never an older state in silence.
    if (!done && next === null && chain.problem && at > point.at)
      throw new PointInTimeError(
        "continuous.damaged",
        `Continuous protection cannot go back to ${showTime(new Date(at))}: ${chain.problem}. The last moment it can restore before then is ${showTime(new Date(point.at))}.`,
      );
    ftruncateSync(fd, point.size * pageSize);
  } finally {
    closeSync(fd);
  }
  setRollbackJournalMode(target);
  // Pages past the base's end were never the base's: written, whether a record held them or not.
  for (let page = chain.info.size + 1; page <= point.size; page++) written.add(page);
  // Page 1 is the header's too (its journal mode was just set).
  written.add(1);
  return { ...point, next, written: Uint32Array.from([...written].filter((p) => p <= point.size)) };
}

/**
 * What a database built by `buildPointInTime` is brought into the backup folder as: a manual
 * backup named for when it was made (`manual_…_point_in_time.db`, then `_2`, `_3` … for
 * `attempt`), saying the moment it holds; proven the app's own (its pages are the app's own
 * database's, and its state was proven), so it is restored as a copy, with the full check it
 * passed as it was built.
 */
export function pointInTimeBackup(
  point: BuiltPoint,
  made: Date,
  by: string | null,
  attempt = 1,
): { name: string; about: BroughtIn } {
  const name = backupFileName("manual", made, "point in time");
  const { inspection } = point;
  return {
    name: attempt > 1 ? name.replace(/\.db$/, `_${attempt}.db`) : name,
    about: {
      createdAt: made.toISOString(),
      sha256: point.sha256 ?? "",
      description: `The database as it was at ${formatLogTime(new Date(point.at))} (continuous protection)`,
      createdBy: by,
      origin: "snapshot",
      databaseId: point.databaseId,
      dataAt: new Date(point.at).toISOString(),
      ...(inspection?.check.ok
        ? {
            rowCounts: inspection.rowCounts,
            checked: { at: made.toISOString(), unknownTables: inspection.check.unknownTables ?? [] },
          }
        : {}),
    },
  };
}
