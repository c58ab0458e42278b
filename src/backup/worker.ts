/**
 * The backup worker thread: the slow parts (snapshot, checks, hashing) run here with their own
 * SQLite connections, so the server's thread keeps answering requests meanwhile.
 */
import { statSync } from "node:fs";
import { sha256File } from "../lib/hash.ts";
import { checkFile, checkLiveDatabase, countRows } from "./checks.ts";
import { snapshotDatabase } from "./snapshot-file.ts";
import {
  answerRequests,
  type InspectResult,
  type SnapshotResult,
  type WorkerRequest,
} from "./worker-protocol.ts";

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.task) {
    case "snapshot": {
      const { source, target, salvage } = request.args;
      const started = performance.now();
      await snapshotDatabase(source, target, { salvage });
      const result: SnapshotResult = { size: statSync(target).size, snapshotMs: performance.now() - started };
      return result;
    }
    case "check-file":
      return checkFile(request.args.path, { full: request.args.full });
    case "inspect-file": {
      const { path } = request.args;
      // Loaded only here: the trust rule brings the migrator, which a snapshot's worker never needs.
      const check = (await import("./trust.ts")).checkRestorable(path);
      let sha256: string | null = null;
      let size = 0;
      try {
        size = statSync(path).size;
        sha256 = await sha256File(path);
      } catch {
        // Unreadable: the check above already says why.
      }
      const result: InspectResult = { check, sha256, size };
      return result;
    }
    case "count-rows":
      return countRows(request.args.path);
    case "check-live":
      return checkLiveDatabase(request.args.path, { full: request.args.full });
  }
}

answerRequests(handle);
