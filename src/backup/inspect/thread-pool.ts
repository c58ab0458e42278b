import { startWorker } from "#runtime/worker.ts";
import type { WorkerEvents, WorkerThread } from "../../runtime/types.ts";

/** A thread at rest ends after this long. */
const IDLE_MS = 10_000;

/** One started thread, and the task whose events its messages go to now (none at rest). */
export interface PooledThread {
  readonly thread: WorkerThread;
  task: WorkerEvents | null;
  idle: ReturnType<typeof setTimeout> | null;
}

/**
 * Worker threads of one module, each kept a while after its task answered so that the next task
 * (the check after a snapshot, the next file of a drill) finds it started: starting a thread
 * stops the starting thread until the new one has booted, about 15 ms in Bun and 40–90 ms in
 * Deno, in which the app answers nothing. A thread whose task failed, was given up or ended it
 * is never used again. Threads at rest keep no process alive and end after `IDLE_MS`.
 */
export class ThreadPool {
  readonly #url: URL;
  readonly #idleMs: number;
  #resting: PooledThread[] = [];

  constructor(url: URL, idleMs = IDLE_MS) {
    this.#url = url;
    this.#idleMs = idleMs;
  }

  /** Threads at rest now (for tests). */
  get resting(): number {
    return this.#resting.length;
  }

  /** A thread for one task, whose messages and end go to `events` until `release` or `discard`. */
  take(events: WorkerEvents): PooledThread {
    const pooled = this.#resting.pop() ?? this.#start();
    if (pooled.idle) clearTimeout(pooled.idle);
    pooled.idle = null;
    pooled.task = events;
    pooled.thread.hold(true);
    return pooled;
  }

  /** The task has its answer: the thread rests until the next task, or ends after `IDLE_MS`. */
  release(pooled: PooledThread): void {
    pooled.task = null;
    pooled.thread.hold(false);
    pooled.idle = setTimeout(() => {
      this.#resting = this.#resting.filter((p) => p !== pooled);
      this.discard(pooled);
    }, this.#idleMs);
    (pooled.idle as { unref?: () => void }).unref?.();
    this.#resting.push(pooled);
  }

  /** The thread ends now and is never used again (its task, if any, hears nothing more). */
  discard(pooled: PooledThread): void {
    pooled.task = null;
    if (pooled.idle) clearTimeout(pooled.idle);
    pooled.idle = null;
    pooled.thread.terminate();
  }

  /** Ends every thread at rest (the app closes). */
  clear(): void {
    const resting = this.#resting;
    this.#resting = [];
    for (const pooled of resting) this.discard(pooled);
  }

  #start(): PooledThread {
    // Its events come only once the thread runs, after `pooled` is set.
    let pooled: PooledThread | null = null;
    const lost = () => {
      // A thread at rest that failed or ended is no longer offered.
      this.#resting = this.#resting.filter((p) => p !== pooled);
      if (pooled?.idle) clearTimeout(pooled.idle);
    };
    const thread = startWorker(this.#url, {
      message: (data) => pooled?.task?.message(data),
      error: (error) => {
        lost();
        pooled?.task?.error(error);
      },
      exit: () => {
        lost();
        pooled?.task?.exit();
      },
    });
    pooled = { thread, task: null, idle: null };
    return pooled;
  }
}
