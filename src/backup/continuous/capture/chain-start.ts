import { statSync } from "node:fs";
import { join } from "node:path";
import { statePages } from "../base/database-file.ts";
import type { StateHash } from "../base/state-hash.ts";
import {
  BASE_FILE,
  type Chain,
  type ChainInfo,
  chainEnd,
  finishChain,
  newChainFolder,
  newChainId,
} from "../files/chain.ts";
import type { WalPosition, WalTransaction } from "../files/wal.ts";

/**
 * How continuous protection takes up a chain when it starts (or after a break, or for a new
 * base): the last chain carried on when the database, read as it was at the chain's last
 * position, has the chain's last state; else a new chain from a base, a page-for-page copy of the
 * database as the pin sees it. The log's committed transactions (`Taken.wal`) are read while
 * writers go on (`readWalAhead`) and finished under the write barrier (`finishWal`, the whole log
 * again if it started anew meanwhile): once writers go on after it, SQLite may start the log again
 * over them (a pin taken when every frame was already in the database file does not stop that),
 * so nothing of the log is read afterwards. The database file itself stays as the pin sees it, or changes only by
 * pages those transactions hold.
 */

/** The chain being written, and where its reading of the log stands. */
export interface Current {
  chain: Chain;
  state: StateHash;
  txn: number;
  /** The state the chain's last transaction produced. */
  last: string;
  /** Where the next read of the log starts; null: at the start of the log there is then. */
  position: WalPosition | null;
  changeBytes: number;
}

/** What a start took under the write barrier, with the pin taken at that point. */
export interface Taken {
  /** The log's committed transactions then, and where reading stood after them; null without a log. */
  wal: { transactions: WalTransaction[]; position: WalPosition } | null;
  pageSize: number;
  /** The database's size in pages as the pin sees it. */
  size: number;
  at: Date;
}

/** The database a start reads. */
export interface StartFiles {
  database: string;
  /** True once the capture stopped: the reading ends early. */
  cancelled: () => boolean;
}

/** The newest image of each page the transactions wrote. */
function overlayOf(transactions: WalTransaction[]): Map<number, Uint8Array> {
  const overlay = new Map<number, Uint8Array>();
  for (const t of transactions) for (const [page, image] of t.pages) overlay.set(page, image);
  return overlay;
}

/**
 * Why the last chain surely cannot be carried on, or null when the database must be read to know
 * (`carryOn`); "" when a new base is only due (`rotate`).
 */
export function reasonBeforeReading(options: {
  rotate: boolean;
  replaced: boolean;
  last: Chain | undefined;
  identity: string | null;
  pageSize: number;
}): string | null {
  const { last } = options;
  if (options.rotate) return "";
  if (options.replaced) return "the database was replaced by a restore";
  if (!last) return "no chain yet";
  if (last.info.databaseId !== options.identity) return "the database is another one than the last chain's";
  if (last.problem) return `the last chain cannot be carried on: ${last.problem}`;
  if (last.info.pageSize !== options.pageSize) return "the page size changed";
  return null;
}

/** Why a new chain starts when the database is not what the last chain ended with. */
export const NOT_CAPTURED =
  "changes were made that were not captured (the app was stopped without warning, or another program wrote to the database)";

/**
 * The last chain carried on: the database file with the log's transactions up to the chain's last
 * position put over it must have the chain's last state. Returns it as the chain being written
 * (reading on from the log's end as taken), with the transactions after that position, still to
 * be written into it (all of the log's when it is another log since: what it holds is all after
 * the chain's end); null when the state differs, or when cancelled.
 */
export async function carryOn(
  files: StartFiles,
  last: Chain,
  taken: Taken,
): Promise<{ current: Current; after: WalTransaction[] } | null> {
  const end = chainEnd(last);
  const stored = last.files.at(-1)?.header.wal ?? null;
  const transactions = taken.wal?.transactions ?? [];
  const now = taken.wal?.position ?? null;
  const sameLog = stored !== null && now !== null && stored.salt1 === now.salt1 && stored.salt2 === now.salt2;
  const within = (t: WalTransaction) => sameLog && t.end <= (stored as WalPosition).offset;
  const before = transactions.filter(within);
  const size = before.at(-1)?.size ?? Math.floor(statSync(files.database).size / taken.pageSize);
  const state = await statePages(files.database, taken.pageSize, size, overlayOf(before), files.cancelled);
  if (!state || state.digest() !== end.state) return null;
  return {
    current: {
      chain: last,
      state,
      txn: end.txn,
      last: end.state,
      position: now,
      changeBytes: last.files.reduce((sum, f) => sum + f.bytes, 0),
    },
    after: transactions.filter((t) => !within(t)),
  };
}

/**
 * A new chain from a base: the database as the pin sees it (the file with every committed frame
 * of the log put over it), copied page for page into a new chain folder, flushed, then the folder
 * put in place. Returns it as the chain being written, reading on from the log's end then; null
 * when cancelled.
 */
export async function newChain(
  files: StartFiles,
  backupsDir: string,
  identity: string | null,
  taken: Taken,
): Promise<Current | null> {
  const id = newChainId(taken.at);
  const temp = newChainFolder(backupsDir, id);
  const overlay = overlayOf(taken.wal?.transactions ?? []);
  const base = join(temp, BASE_FILE);
  const state = await statePages(files.database, taken.pageSize, taken.size, overlay, files.cancelled, base);
  if (!state) return null;
  const info: ChainInfo = {
    format: 1,
    id,
    databaseId: identity,
    createdAt: taken.at.getTime(),
    pageSize: taken.pageSize,
    size: taken.size,
    state: state.digest(),
  };
  const dir = finishChain(backupsDir, temp, info);
  return {
    chain: { info, dir, files: [], problem: null },
    state,
    txn: 0,
    last: info.state,
    position: taken.wal?.position ?? null,
    changeBytes: 0,
  };
}
