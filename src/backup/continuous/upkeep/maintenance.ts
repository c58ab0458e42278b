import { rmSync, statSync } from "node:fs";
import { describeError } from "../../../lib/errors.ts";
import type { Log } from "../../../lib/log.ts";
import { letOthersRun } from "../../../lib/timers.ts";
import { type Chain, listChains, removeChain } from "../files/chain.ts";
import { type ChangeHeader, changeRecords } from "../files/change-file.ts";
import { ChangeFileOut } from "../files/change-file-out.ts";

/** Keeping continuous protection's history bounded: files merged by levels, old chains removed. */

const DAY_MS = 86_400_000;

/**
 * Keeps the history in `backupsDir` to `keepDays` before `now`: a chain goes once the next one
 * started before the window (so every moment in the window stays restorable); the newest chain
 * and the one being written (`currentId`) always stay.
 */
export function pruneChains(options: {
  backupsDir: string;
  keepDays: number;
  now: number;
  currentId: string | null;
  log: Log;
}): void {
  const chains = listChains(options.backupsDir);
  const cutoff = options.now - options.keepDays * DAY_MS;
  for (let i = 0; i < chains.length - 1; i++) {
    const chain = chains[i] as Chain;
    const next = chains[i + 1] as Chain;
    if (next.info.createdAt > cutoff || chain.info.id === options.currentId) continue;
    try {
      removeChain(chain);
    } catch (error) {
      // A file still open there (Windows: an upload, a virus scanner): the next look removes it.
      options.log.warning(
        `Continuous protection: the old chain ${chain.info.id} could not be removed yet: ${describeError(error)}`,
      );
    }
  }
}

/** A merge due in a chain: `fanIn` files of one level from `start` on, and the header of the file they become. */
export interface MergePlan {
  start: number;
  merged: ChainFile[];
  header: ChangeHeader;
}

type ChainFile = Chain["files"][number];

/**
 * Keeps a chain to a few dozen files: when the oldest run of files of one level numbers `fanIn`,
 * they become one file of the next level. Returns that merge, or null when none is due.
 */
export function planMerge(chain: Chain, fanIn: number): MergePlan | null {
  const files = chain.files;
  for (let start = 0; start < files.length; ) {
    const level = files[start]?.header.level;
    let end = start;
    while (end < files.length && files[end]?.header.level === level) end++;
    if (end - start >= fanIn && level !== undefined) {
      const merged = files.slice(start, start + fanIn);
      const first = (merged[0] as ChainFile).header;
      const last = (merged.at(-1) as ChainFile).header;
      const header: ChangeHeader = {
        ...first,
        level: level + 1,
        last: last.last,
        to: last.to,
        result: last.result,
        wal: last.wal,
      };
      return { start, merged, header };
    }
    start = end;
  }
  return null;
}

/**
 * Writes the merged file of `plan` under its temporary name, one transaction at a time with a turn
 * of the event loop between (a merge never holds the app up), flushed. When `signal` aborts, what
 * was written is removed and the chain is as it was (the merge is made again later); rejects then
 * with the signal's reason.
 */
export async function writeMerge(chain: Chain, plan: MergePlan, signal: AbortSignal): Promise<ChangeFileOut> {
  const out = new ChangeFileOut(chain.dir, plan.header);
  try {
    for (const f of plan.merged)
      for (const record of changeRecords(f.path)) {
        signal.throwIfAborted();
        out.add(record);
        await letOthersRun();
      }
    signal.throwIfAborted();
    out.seal();
    return out;
  } catch (error) {
    out.abandon();
    throw error;
  }
}

/**
 * Puts a written merge in place: renamed to its name (from then on `listChains` passes over the
 * files it covers), then they are removed, and `chain.files` lists it in their place. When the
 * chain no longer lists those files where the merge found them, it is removed instead; false then.
 */
export function placeMerge(chain: Chain, plan: MergePlan, out: ChangeFileOut): boolean {
  const still = plan.merged.every((f, i) => chain.files[plan.start + i] === f);
  if (!still) {
    out.abandon();
    return false;
  }
  const path = out.place();
  for (const f of plan.merged) rmSync(f.path, { force: true });
  chain.files.splice(plan.start, plan.merged.length, {
    path,
    header: plan.header,
    bytes: statSync(path).size,
  });
  return true;
}
