import { BACKUP_WORKER_URL } from "../worker-urls.ts";
import type { CheckResult } from "./checks.ts";
import type {
  InspectResult,
  SnapshotResult,
  TableCount,
  WorkerReply,
  WorkerRequest,
} from "./worker-protocol.ts";

/**
 * Runs one task in a new worker thread and ends the thread afterwards, so the memory a large
 * check used is returned at once. Rejects with the task's error message.
 */
function runInWorker(request: WorkerRequest): Promise<unknown> {
  const worker = new Worker(BACKUP_WORKER_URL);
  return new Promise((resolve, reject) => {
    worker.addEventListener("message", (event: MessageEvent<WorkerReply>) => {
      worker.terminate();
      if (event.data.ok) resolve(event.data.result);
      else reject(new Error(event.data.message));
    });
    worker.addEventListener("error", (event) => {
      worker.terminate();
      reject(new Error(`the backup worker failed: ${event.message}`));
    });
    // A worker that ends without an answer (killed, out of memory) must not leave the caller waiting.
    worker.addEventListener("close", () => reject(new Error("the backup worker stopped without an answer")));
    worker.postMessage(request);
  });
}

export function snapshotInWorker(args: { source: string; target: string; salvage: boolean }) {
  return runInWorker({ task: "snapshot", args }) as Promise<SnapshotResult>;
}

export function inspectFileInWorker(args: { path: string; restorable: boolean }) {
  return runInWorker({ task: "inspect-file", args }) as Promise<InspectResult>;
}

export function checkLiveInWorker(args: { path: string; full: boolean }) {
  return runInWorker({ task: "check-live", args }) as Promise<CheckResult>;
}

/** Every table of the live database with its row count, counted off the server's thread. */
export function countRowsInWorker(args: { path: string }) {
  return runInWorker({ task: "count-rows", args }) as Promise<TableCount[]>;
}
