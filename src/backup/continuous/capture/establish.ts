import type { Clock } from "../../../lib/time.ts";
import { listChains, removeChainLeftovers } from "../files/chain.ts";
import { finishWal, readWalAhead } from "../files/wal.ts";
import {
  type Current,
  carryOn,
  NOT_CAPTURED,
  newChain,
  reasonBeforeReading,
  type StartFiles,
  type Taken,
} from "./chain-start.ts";
import type { ChainWriter } from "./chain-writer.ts";
import type { LogHold } from "./log-hold.ts";

/** How long a start (or the stop's last read) waits for the write barrier. */
export const START_BARRIER_WAIT_MS = 5000;

/** What a start of continuous protection's chain is given by the capture (`capture.ts`). */
export interface EstablishContext {
  why: "start" | "retry" | "rotate";
  backupsDir: string;
  database: { readonly path: string; readonly identity: string | null };
  walPath: string;
  hold: LogHold;
  writer: ChainWriter;
  clock: Clock;
  /** A restore put another database in place since the last chain. */
  replaced: boolean;
  /** False once the capture stopped: the start ends early, with nothing in place. */
  running: () => boolean;
  /** Under the write barrier: the chain being written, if any, read to the log's end and its pin let go. */
  endCurrent: () => void;
}

/** The chain a start took up, and what it says of it. */
export interface Established {
  current: Current;
  /** A new chain from a new base (not the last one carried on). */
  isNew: boolean;
  /** Why the last chain ended when it was a loss (null: nothing was lost; undefined: a rotation, as it was). */
  problem: string | null | undefined;
  /** The line for the log. */
  message: string;
  /** The chain's moment (for the pruning that follows). */
  at: number;
}

/**
 * Starts (or restarts) the chain: the log read while writers go on, then under the write barrier
 * everything committed read (a rotation ends the old chain there), the pin taken at that point,
 * the log finished to it and the database's size as the pin sees it; then the last chain carried
 * on when it fits (`carryOn`), else a new base (`newChain`). Returns null when the capture
 * stopped meanwhile.
 */
export async function establishChain(o: EstablishContext): Promise<Established | null> {
  if (o.why !== "rotate") removeChainLeftovers(o.backupsDir);
  const identity = o.database.identity;
  const last = listChains(o.backupsDir).at(-1);
  // The log as it is now, read while writers go on; under the barrier only what came since.
  const ahead = await readWalAhead(o.walPath);
  if (!o.running()) return null;
  const taken: Taken = o.hold.withBarrier(START_BARRIER_WAIT_MS, () => {
    o.endCurrent();
    // Finished here, while no one commits: see `chain-start.ts`.
    const wal = finishWal(o.walPath, ahead);
    o.hold.pin();
    // The base is the database as it is now: the chain's first moment.
    return { wal, ...o.hold.pages(), at: o.clock() };
  });
  const files: StartFiles = { database: o.database.path, cancelled: () => !o.running() };
  let reason = reasonBeforeReading({
    rotate: o.why === "rotate",
    replaced: o.replaced,
    last,
    identity,
    pageSize: taken.pageSize,
  });
  if (reason === null && last) {
    const carried = await carryOn(files, last, taken);
    if (files.cancelled()) return null;
    if (carried) {
      // What was committed after the chain's end (while the app was away, or meanwhile).
      const captured = o.writer.writeAll(carried.current, carried.after);
      return {
        current: carried.current,
        isNew: false,
        problem: null,
        message: `Continuous protection continues the chain ${last.info.id}${captured ? ` (${captured} transactions made meanwhile captured)` : ""}`,
        at: o.clock().getTime(),
      };
    }
    reason = NOT_CAPTURED;
  }
  const started = await newChain(files, o.backupsDir, identity, taken);
  if (!started) return null;
  const { id } = started.chain.info;
  const expected = reason === "no chain yet" || o.replaced;
  return {
    current: started,
    isNew: true,
    problem: reason ? (expected ? null : reason) : undefined,
    message: reason
      ? `Continuous protection started a new chain ${id} from a base of ${taken.size} pages: ${reason}`
      : `Continuous protection started a new chain ${id} (a new base keeps restores short)`,
    at: taken.at.getTime(),
  };
}
