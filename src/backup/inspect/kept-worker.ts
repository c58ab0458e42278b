import { startWorker } from "#runtime/worker.ts";
import type { WorkerThread } from "../../runtime/types.ts";
import { decodeError } from "./worker-errors.ts";
import type { WorkerReply } from "./worker-protocol.ts";

/** A kept thread with nothing to do ends after this long. */
const IDLE_MS = 30_000;

/**
 * One worker thread kept for short tasks (a page of a backup's rows), one task at a time: a new
 * thread costs about as long again as a page takes, so pages share one. It does not keep the
 * process alive while at rest, and ends after `IDLE_MS` without work. Long tasks (a check, a full
 * count) each get their own thread (`runInWorker`), so the memory they used is returned at once
 * and they never keep a page waiting.
 */
export class KeptWorker {
  readonly #url: URL;
  #thread: WorkerThread | null = null;
  #waiting: { resolve: (value: unknown) => void; reject: (error: Error) => void } | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #idle: ReturnType<typeof setTimeout> | null = null;

  constructor(url: URL) {
    this.#url = url;
  }

  /** Runs `request` once the tasks before it have answered; rejects as `runInWorker` does. */
  run(request: unknown): Promise<unknown> {
    const turn = this.#queue.then(
      () => this.#send(request),
      () => this.#send(request),
    );
    this.#queue = turn.catch(() => {});
    return turn;
  }

  /** Ends the thread now; the task it runs, if any, rejects with `error`. */
  stop(error: Error): void {
    this.#settle((w) => w.reject(error));
    this.#thread?.terminate();
    this.#thread = null;
  }

  #send(request: unknown): Promise<unknown> {
    if (this.#idle) clearTimeout(this.#idle);
    const thread = this.#thread ?? this.#start();
    thread.hold(true);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      thread.post(request);
    });
  }

  #start(): WorkerThread {
    const lost = (error: Error) => {
      this.#thread = null;
      this.#settle((w) => w.reject(error));
    };
    const thread = startWorker(this.#url, {
      message: (data) => {
        const reply = data as WorkerReply;
        if ("note" in reply) return;
        this.#settle((w) => (reply.ok ? w.resolve(reply.result) : w.reject(decodeError(reply.error))));
      },
      error: (error) => lost(new Error(`the backup worker failed: ${error.message}`)),
      exit: () => lost(new Error("the backup worker stopped without an answer")),
    });
    this.#thread = thread;
    return thread;
  }

  #settle(
    how: (waiting: { resolve: (value: unknown) => void; reject: (error: Error) => void }) => void,
  ): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    this.#waiting = null;
    const thread = this.#thread;
    if (thread) {
      thread.hold(false);
      this.#idle = setTimeout(() => this.stop(new Error("the kept worker was idle")), IDLE_MS);
      (this.#idle as { unref?: () => void }).unref?.();
    }
    how(waiting);
  }
}
