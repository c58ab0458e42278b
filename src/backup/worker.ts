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
      let started = performance.now();
      await snapshotDatabase(source, target, { salvage });
      const snapshotMs = performance.now() - started;
      started = performance.now();
      const check = checkFile(target, { full: false });
      const checkMs = performance.now() - started;
      started = performance.now();
      const sha256 = await sha256File(target);
      const hashMs = performance.now() - started;
      const result: SnapshotResult = {
        check,
        sha256,
        size: statSync(target).size,
        timings: { snapshotMs, checkMs, hashMs },
      };
      return result;
    }
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
