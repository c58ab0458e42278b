import { parentPort, Worker } from "node:worker_threads";
import type { WorkerEvents, WorkerThread } from "../types.ts";

/**
 * Starts the module at `url` in a new thread. node:worker_threads, not the web `Worker`: its
 * `exit` event also reports a thread that ended without answering, in Bun and in Deno alike.
 * The compiled executable finds the module only if the build embeds it as an entry point.
 */
export function startWorker(url: URL, events: WorkerEvents): WorkerThread {
  const worker = new Worker(url);
  worker.on("message", (data) => events.message(data));
  worker.on("error", (error) => events.error(error instanceof Error ? error : new Error(String(error))));
  worker.on("exit", () => events.exit());
  return {
    post: (data) => worker.postMessage(data),
    terminate: () => void worker.terminate(),
    hold: (busy) => (busy ? worker.ref() : worker.unref()),
  };
}

/**
 * Inside a worker: answers every message from the thread that started it with what `answer`
 * resolves to; `tell` sends a message before the answer (how far the work has come). `answer`
 * must not reject; a rejection is the worker's error event.
 */
export function answerParent(
  answer: (data: unknown, tell: (note: unknown) => void) => Promise<unknown>,
): void {
  const port = parentPort;
  if (!port) throw new Error("answerParent() runs only inside a worker thread.");
  port.on("message", async (data: unknown) => {
    port.postMessage(await answer(data, (note) => port.postMessage(note)));
  });
}
