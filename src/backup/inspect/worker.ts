/**
 * The backup worker thread: the slow parts (snapshot, checks, hashing, an encrypted copy's
 * sealing) run here, with their own SQLite connections, so the server's thread keeps answering
 * requests meanwhile.
 */
import { statSync } from "node:fs";
import { fileDigest } from "../../lib/hash.ts";
import { checkFile, checkLiveDatabase, countRows, identityOfFile } from "./checks.ts";
import { copyFileWhole, snapshotDatabase } from "./snapshot-file.ts";
import {
  answerRequests,
  type SnapshotChecked,
  type SnapshotResult,
  type WorkerRequest,
} from "./worker-protocol.ts";

async function handle(request: WorkerRequest, tell: (note: unknown) => void): Promise<unknown> {
  switch (request.task) {
    case "snapshot": {
      const { source, target, salvage } = request.args;
      const started = performance.now();
      await snapshotDatabase(source, target, { salvage });
      const result: SnapshotResult = { size: statSync(target).size, snapshotMs: performance.now() - started };
      return result;
    }
    case "snapshot-checked": {
      // One thread for both: written, the caller hashes and flushes while this one checks.
      const { source, target, salvage } = request.args;
      const started = performance.now();
      await snapshotDatabase(source, target, { salvage });
      const written: SnapshotResult = {
        size: statSync(target).size,
        snapshotMs: performance.now() - started,
      };
      tell(written);
      const check = checkFile(target, { full: false });
      const result: SnapshotChecked = {
        ...written,
        check,
        databaseId: check.ok ? identityOfFile(target) : null,
      };
      return result;
    }
    case "check-file":
      return checkFile(request.args.path, { full: request.args.full });
    case "copy-file":
      copyFileWhole(request.args.source, request.args.target);
      return null;
    case "inspect-file":
      // Loaded only here: the trust rule brings the migrator, which a snapshot's worker never needs.
      return (await import("./inspect-file.ts")).inspectFile(request.args.path, {
        mapped: request.args.mapped,
      });
    case "check-restorable":
      return (await import("./trust.ts")).checkRestorable(request.args.path, {
        mapped: request.args.mapped === true,
      });
    case "check-moment-whole":
      return (await import("./moment-check.ts")).checkMomentWhole(request.args.path);
    case "check-moment-tables": {
      const { path, base, written } = request.args;
      return (await import("./moment-check.ts")).checkMomentTables(path, base, written);
    }
    case "drill-file":
      return (await import("./drill-file.ts")).checkDrillCopy(request.args.path, request.args.migrations);
    case "rebuild": {
      const { rebuildDatabase } = await import("./rebuild.ts");
      return rebuildDatabase(request.args.source, request.args.target);
    }
    case "count-rows":
      return countRows(request.args.path);
    case "check-live":
      return checkLiveDatabase(request.args.path, { full: request.args.full });
    case "point-state": {
      const { path, pageSize, size } = request.args;
      const { stateOfFile } = await import("../continuous/base/state-hash.ts");
      return stateOfFile(path, pageSize, size, { asWal: true });
    }
    case "look":
      // Loaded only here: looking inside a backup brings the trust rule and its own readers.
      return (await import("../browse/tasks.ts")).runLookTask(request.args);
    case "seal-file":
      // Loaded only here: an encrypted copy's sealing brings the cipher.
      return (await import("../../lib/files/seal-to-file.ts")).sealFileTo(request.args, tell);
    case "digest-file":
      return fileDigest(request.args.path);
    case "hash-pages":
      // Loaded only here: continuous protection's base and its state, made from pages sent here.
      return (await import("../continuous/base/page-hasher.ts")).hashPagesFrom(request.args, tell);
  }
}

answerRequests(handle);
