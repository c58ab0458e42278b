import type { Log } from "../../../lib/log.ts";
import type { Clock } from "../../../lib/time.ts";
import type { MergeBackground } from "../upkeep/merges.ts";

/** What continuous protection's capture (`capture.ts`) is given, and what it says of itself. */

export interface CapturedDatabase {
  readonly path: string;
  readonly identity: string | null;
  pauseCheckpoints(): void;
  resumeCheckpoints(): void;
  /** `listener` runs before the database closes (a restore's swap, the stop). */
  beforeClose(listener: () => void): void;
}

export interface CaptureOptions {
  database: CapturedDatabase;
  backupsDir: string;
  log: Log;
  clock?: Clock;
  /** Days of history kept (`continuous_keep_days`). */
  keepDays: () => number;
  /** How often the log is read (ms). */
  pollMs?: number;
  /** Checkpoint once this many pages were captured since the last one, or `checkpointMs` passed. */
  checkpointPages?: number;
  checkpointMs?: number;
  /** Start a new chain (a new base) once its changes outgrow this many bytes and the base, or after `chainMs`. */
  chainBytes?: number;
  chainMs?: number;
  /** Merge this many change files of one level into one of the next. */
  mergeFanIn?: number;
  /** Called after each change file, merge or new chain written (what goes off-site next). */
  onChange?: () => void;
  /** The most bytes of the log read into one change file (64 MiB). */
  readBytes?: number;
  /** Where merges run beside a serving app: they make way for every operation someone starts (`Merges`). */
  background?: MergeBackground;
}

export interface ContinuousStatus {
  /** Capturing now. */
  active: boolean;
  /** The first and last moment a restore can go back to (ISO), or null without a chain. */
  from: string | null;
  to: string | null;
  /** When the last transaction was captured. */
  lastCapturedAt: string | null;
  /** When the chain being written started, and why the one before it ended (null: nothing was lost). */
  chainStartedAt: string | null;
  problem: string | null;
}
