// Bun's node:worker_threads, as Deno's: one implementation serves both.
export { answerParent, startWorker } from "../shared/worker.ts";
