import { rmSync, statSync } from "node:fs";
import { describeError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import { type Chain, listChains, removeChain } from "./chain.ts";
import { type ChangeHeader, changeRecords, writeChangeFile } from "./change-file.ts";

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

/**
 * Keeps a chain to a few dozen files: when the oldest run of files of one level numbers `fanIn`,
 * they become one file of the next level (written whole, then they are removed; a merge cut short
 * leaves files the merged one covers, which `listChains` passes over). One merge per call; true
 * when one was made (`chain.files` then lists the merged file in their place).
 */
export function mergeOnce(chain: Chain, fanIn: number): boolean {
  const files = chain.files;
  for (let start = 0; start < files.length; ) {
    const level = files[start]?.header.level;
    let end = start;
    while (end < files.length && files[end]?.header.level === level) end++;
    if (end - start >= fanIn && level !== undefined) {
      const merged = files.slice(start, start + fanIn);
      const first = (merged[0] as (typeof files)[number]).header;
      const last = (merged.at(-1) as (typeof files)[number]).header;
      const header: ChangeHeader = {
        ...first,
        level: level + 1,
        last: last.last,
        to: last.to,
        result: last.result,
        wal: last.wal,
      };
      const path = writeChangeFile(
        chain.dir,
        header,
        (function* () {
          for (const f of merged) yield* changeRecords(f.path);
        })(),
      );
      for (const f of merged) rmSync(f.path, { force: true });
      files.splice(start, fanIn, { path, header, bytes: statSync(path).size });
      return true;
    }
    start = end;
  }
  return false;
}
