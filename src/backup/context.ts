import { systemClock } from "../lib/time.ts";
import { BackupFolder } from "./folder.ts";
import { OperationRunner } from "./operation.ts";
import { freeSpaceOf } from "./space.ts";
import type { BackupEngineOptions, EngineContext } from "./types.ts";

/** What the engine's parts share, made from its options (the defaults: the system clock, the disk's free space). */
export function createEngineContext(options: BackupEngineOptions): EngineContext {
  const clock = options.clock ?? systemClock;
  return {
    database: options.database,
    folder: new BackupFolder(options.backupsDir, options.log, options.fileWait ?? { timeoutMs: 20_000 }),
    db: options.db ?? null,
    log: options.log,
    clock,
    freeSpace: options.freeSpace ?? freeSpaceOf,
    operations: new OperationRunner({ lockPath: options.operationLock, log: options.log, clock }),
  };
}
