import { basename } from "node:path";
import type { SharingWait } from "../lib/sharing.ts";
import { systemClock } from "../lib/time.ts";
import { BackupFolder } from "./folder.ts";
import { OperationRunner } from "./operation.ts";
import { freeSpaceOf } from "./space.ts";
import type { BackupEngineOptions, EngineContext } from "./types.ts";

/** What the engine's parts share, made from its options (the defaults: the system clock, the disk's free space). */
export function createEngineContext(options: BackupEngineOptions): EngineContext {
  const clock = options.clock ?? systemClock;
  const operations = new OperationRunner({ lockPath: options.operationLock, log: options.log, clock });
  const wait = options.fileWait ?? { timeoutMs: 20_000 };
  // The status shows what the running operation waits for, besides whatever the app does.
  const shownWait: SharingWait = {
    timeoutMs: wait.timeoutMs,
    onWait: (path, timeoutMs) => {
      operations.showWaitFor(basename(path));
      wait.onWait?.(path, timeoutMs);
    },
  };
  return {
    database: options.database,
    folder: new BackupFolder(options.backupsDir, options.log, shownWait),
    db: options.db ?? null,
    log: options.log,
    clock,
    freeSpace: options.freeSpace ?? freeSpaceOf,
    operations,
  };
}
