// Deno's node:worker_threads, as Bun's: one implementation serves both. Deno reports `exit` from
// inside `terminate()`; the worker client settles before it terminates, so that is harmless.
export { answerParent, startWorker } from "../shared/worker.ts";
