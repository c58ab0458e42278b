import type { MigrationMeta } from "drizzle-orm/migrator";
import type { FileDigest } from "../../lib/files/seal-to-file.ts";
import { BACKUP_WORKER_URL } from "../../worker-urls.ts";
import type { LookTask } from "../browse/tasks.ts";
import type { StateParts } from "../continuous/base/state-hash.ts";
import type { CheckResult } from "./checks.ts";
import { stopCheckProcesses } from "./process-task.ts";
import type { RebuildResult } from "./rebuild.ts";
import { ThreadPool } from "./thread-pool.ts";
import { decodeError } from "./worker-errors.ts";
import type {
  DrillFileResult,
  InspectResult,
  SnapshotChecked,
  SnapshotResult,
  TableCount,
  WorkerReply,
  WorkerRequest,
} from "./worker-protocol.ts";

/** The threads of each worker module, kept a while between tasks (`ThreadPool`). */
const pools = new Map<string, ThreadPool>();

function poolOf(url: URL): ThreadPool {
  const known = pools.get(url.href);
  if (known) return known;
  const pool = new ThreadPool(url);
  pools.set(url.href, pool);
  return pool;
}

/**
 * The thread that reads pages of a backup's rows (`lookPageInWorker`), one page at a time: kept
 * longer between pages (someone reads them), and a page never waits for a long task's thread.
 */
const pages = {
  pool: new ThreadPool(BACKUP_WORKER_URL, 30_000),
  queue: Promise.resolve() as Promise<unknown>,
};

/**
 * Runs one request in a worker thread started from `url`: one at rest since its last task, or a
 * new one. Rejects with the error the task threw, of the same class when it is one that can cross
 * (see `worker-errors.ts`), with its code and fields otherwise; and when the thread fails or ends
 * without an answer (killed, out of memory). A thread that answered rests for the next task; any
 * other ends at once.
 */
export function runInWorker(
  url: URL,
  request: unknown,
  onNote: (note: unknown) => void = () => {},
  signal?: AbortSignal,
): Promise<unknown> {
  return runInPool(poolOf(url), request, onNote, signal);
}

function runInPool(
  pool: ThreadPool,
  request: unknown,
  onNote: (note: unknown) => void = () => {},
  signal?: AbortSignal,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let settled = false;
    // Settles first, then lets the thread rest or ends it: a runtime may report the thread's end
    // from inside `terminate()`, and that report must find the answer already given.
    const finish = (settle: () => void, answered: boolean) => {
      if (settled) return;
      settled = true;
      running.delete(abandon);
      signal?.removeEventListener("abort", onAbort);
      settle();
      if (answered) pool.release(pooled);
      else pool.discard(pooled);
    };
    const abandon = (error: Error) => finish(() => reject(error), false);
    // Background work that yields gives its thread up as the app does when it closes.
    const onAbort = () => abandon(signal?.reason);
    running.add(abandon);
    signal?.addEventListener("abort", onAbort, { once: true });
    const pooled = pool.take({
      message(data) {
        const reply = data as WorkerReply;
        if ("note" in reply) onNote(reply.note);
        else finish(() => (reply.ok ? resolve(reply.result) : reject(decodeError(reply.error))), true);
      },
      error(error) {
        finish(() => reject(new Error(`the backup worker failed: ${error.message}`)), false);
      },
      exit() {
        finish(() => reject(new Error("the backup worker stopped without an answer")), false);
      },
    });
    pooled.thread.post(request);
  });
}

/** How to give up each task running now. */
const running = new Set<(error: Error) => void>();

/**
 * Gives up every task running in a worker now: each rejects with `error` at once, and its thread
 * is told to end (a thread busy inside SQLite ends when that call returns, or with the process);
 * threads at rest end too, and checks in processes of their own are killed. What a task left half written is a leftover the next start removes.
 */
export function abandonWorkers(error: Error): void {
  for (const abandon of [...running]) abandon(error);
  stopCheckProcesses(error);
  for (const pool of [...pools.values(), pages.pool]) pool.clear();
}

function runTask(
  request: WorkerRequest,
  onNote?: (note: unknown) => void,
  signal?: AbortSignal,
): Promise<unknown> {
  return runInWorker(BACKUP_WORKER_URL, request, onNote, signal);
}

/**
 * A snapshot of the live database at `target` (not flushed), then its `quick_check`, in one
 * worker: `onWritten` hears when the file is whole, so the caller can hash and flush it meanwhile.
 */
export function snapshotCheckedInWorker(
  args: { source: string; target: string; salvage: boolean },
  onWritten: (written: SnapshotResult) => void,
) {
  return runTask({ task: "snapshot-checked", args }, (note) =>
    onWritten(note as SnapshotResult),
  ) as Promise<SnapshotChecked>;
}

/** A snapshot of the live database at `target`, flushed (see `snapshotDatabase`). */
export function snapshotInWorker(args: { source: string; target: string; salvage: boolean }) {
  return runTask({ task: "snapshot", args }) as Promise<SnapshotResult>;
}

/**
 * `copyFileWhole`: the file system's own copy of a large file, off this thread; with `signal`, an
 * abort gives the thread up (the caller removes the half copy).
 */
export function copyFileInWorker(args: { source: string; target: string }, signal?: AbortSignal) {
  return runTask({ task: "copy-file", args }, undefined, signal) as Promise<null>;
}

/** `checkFile` of a file no one writes: `quick_check`, or the complete `integrity_check` when `full`. */
export function checkFileInWorker(args: { path: string; full: boolean }) {
  return runTask({ task: "check-file", args }) as Promise<CheckResult>;
}

/**
 * The full check a backup must pass to be restored (`checkRestorable`), with its hash and size;
 * `mapped` only for a file this process made and nobody else writes (see `checkRestorable`).
 * With `signal`, an abort gives the thread up at once and rejects with the signal's reason (a
 * check of a backup file only reads it, so nothing is left half done).
 */
export function inspectFileInWorker(args: { path: string; mapped?: boolean }, signal?: AbortSignal) {
  return runTask({ task: "inspect-file", args }, undefined, signal) as Promise<InspectResult>;
}

export function checkLiveInWorker(args: { path: string; full: boolean }) {
  return runTask({ task: "check-live", args }) as Promise<CheckResult>;
}

/**
 * A restore drill's copy judged, opened with `migrations`, fully checked and counted
 * (`checkDrillCopy`); with `signal`, an abort gives the thread up (the copy is the drill's own).
 */
export function drillFileInWorker(args: { path: string; migrations: MigrationMeta[] }, signal?: AbortSignal) {
  return runTask({ task: "drill-file", args }, undefined, signal) as Promise<DrillFileResult>;
}

/** `rebuildDatabase`: a foreign file made anew from the app's migrations and its rows (not flushed); `signal` as for `copyFileInWorker`. */
export function rebuildInWorker(args: { source: string; target: string }, signal?: AbortSignal) {
  return runTask({ task: "rebuild", args }, undefined, signal) as Promise<RebuildResult>;
}

/** `checkRestorable` (the trust rule, `integrity_check`) alone; `mapped` as for `inspectFileInWorker`. */
export function checkRestorableInWorker(args: { path: string; mapped?: boolean }) {
  return runTask({ task: "check-restorable", args }) as Promise<CheckResult>;
}

/**
 * The full check of a moment rebuilt from a chain whose base passed it, in two threads at once
 * (`checkMomentWhole` beside `checkMomentTables`, see `moment-check.ts`): `written`, every page
 * the chain wrote over the base at `base`. Resolves as `checkRestorable` would (which runs
 * instead, after the trust rule, when the tables' part cannot tell), with the tables compared
 * row by row (null: all of them).
 */
export async function checkMomentInWorkers(args: {
  path: string;
  base: string;
  written: Uint32Array;
}): Promise<CheckResult & { tablesCompared: string[] | null }> {
  const [whole, tables] = await Promise.allSettled([
    runTask({ task: "check-moment-whole", args: { path: args.path } }) as Promise<CheckResult>,
    runTask({ task: "check-moment-tables", args }) as Promise<{
      reason: string | null;
      tables: string[];
    } | null>,
  ]);
  // The trust rule and the file's shape come first: what the tables' part found (or could not read) after.
  if (whole.status === "rejected") throw whole.reason;
  if (!whole.value.ok) return { ...whole.value, tablesCompared: null };
  if (tables.status === "rejected") throw tables.reason;
  if (tables.value === null)
    return { ...(await checkRestorableInWorker({ path: args.path, mapped: true })), tablesCompared: null };
  const { reason, tables: tablesCompared } = tables.value;
  return reason === null ? { ...whole.value, tablesCompared } : { ok: false, reason, tablesCompared };
}

/** The state of a database rebuilt from a chain of continuous protection (`stateOfFile`, as in WAL mode). */
export function pointStateInWorker(args: { path: string; pageSize: number; size: number }) {
  return runTask({ task: "point-state", args }) as Promise<string>;
}

/**
 * `hashPagesFrom`: the state of the pages put in `shared` as `control` tells, and with `copyTo`
 * a new file of them, flushed; `onDone` hears each part the thread is done with. An abort of
 * `signal` gives the thread up.
 */
export function hashPagesInWorker(
  args: { shared: SharedArrayBuffer; control: SharedArrayBuffer; pageSize: number; copyTo: string | null },
  onDone: (slot: number) => void,
  signal: AbortSignal,
) {
  return runTask(
    { task: "hash-pages", args },
    (note) => onDone(note as number),
    signal,
  ) as Promise<StateParts>;
}

/** Every table of the live database with its row count, counted off the server's thread. */
export function countRowsInWorker(args: { path: string }) {
  return runTask({ task: "count-rows", args }) as Promise<TableCount[]>;
}

/** One long task of looking inside a backup (`runLookTask`): the trust rule's verdict, a full count. */
export function lookInWorker(task: LookTask) {
  return runTask({ task: "look", args: task });
}

/**
 * `sealFileTo`: a local file encrypted into a new file (not flushed), with the size and SHA-256 of
 * both sides; `onProgress` hears the plain bytes done now and then. With `signal`, an abort gives
 * the thread up (the caller removes the half-written file).
 */
export function sealFileInWorker(
  args: { source: string; target: string; head: Uint8Array; key: Uint8Array },
  options: { onProgress?: (bytes: number) => void; signal?: AbortSignal } = {},
) {
  return runTask(
    { task: "seal-file", args },
    (note) => options.onProgress?.(note as number),
    options.signal,
  ) as Promise<{ plain: FileDigest; sealed: FileDigest }>;
}

/** The size and SHA-256 of a file, read off the server's thread; `signal` as for `sealFileInWorker`. */
export function digestFileInWorker(path: string, signal?: AbortSignal) {
  return runTask({ task: "digest-file", args: { path } }, undefined, signal) as Promise<FileDigest>;
}

/** One page of a backup's rows or of a difference (`runLookTask`), on the kept thread. */
export function lookPageInWorker(task: LookTask) {
  const request = { task: "look", args: task } satisfies WorkerRequest;
  const turn = pages.queue.then(
    () => runInPool(pages.pool, request),
    () => runInPool(pages.pool, request),
  );
  pages.queue = turn.catch(() => {});
  return turn;
}
