import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fsyncDir, fsyncFile } from "../../../lib/files/fs-sync.ts";
import { leftoverOf } from "../../../lib/files/temp-name.ts";
import { formatFileStamp } from "../../../lib/time.ts";
import { ChangeFileError, type ChangeHeader, parseChangeFileName, readChangeHeader } from "./change-file.ts";
import { isPageSize, MAX_PAGES } from "./page-size.ts";

/**
 * The continuous protection's folder, `database_backups/continuous/`: one folder per chain. A
 * chain is a base (`base.db`, a page-for-page copy of the database at one moment, with
 * `chain.json` saying what it is) and the change files that carry it forward transaction by
 * transaction. A chain ends where continuity was lost (the app was killed, the database
 * replaced, another program checkpointed) or where a new base was due; the next one starts from
 * a new base. A chain folder exists under its name only once its base is complete.
 */

export const CONTINUOUS_FOLDER = "continuous";
export const BASE_FILE = "base.db";
const INFO_FILE = "chain.json";

export interface ChainInfo {
  format: 1;
  id: string;
  /** The identity of the database the chain follows (null: it had none). */
  databaseId: string | null;
  /** When the base was taken (ms since 1970): the chain's first restorable moment. */
  createdAt: number;
  pageSize: number;
  /** The base's size in pages and its state (`StateHash`). */
  size: number;
  state: string;
}

export interface Chain {
  info: ChainInfo;
  dir: string;
  /** The change files that carry the base forward without a gap, in order. */
  files: { path: string; header: ChangeHeader; bytes: number }[];
  /** Why files past the last usable one cannot be used (a gap, a damaged file), or null. */
  problem: string | null;
}

export function continuousDir(backupsDir: string): string {
  return join(backupsDir, CONTINUOUS_FOLDER);
}

/** A new chain's name: when it starts, and a random part (`20261206_140501_3fa2`). */
export function newChainId(at: Date): string {
  return `${formatFileStamp(at)}_${randomBytes(2).toString("hex")}`;
}

const CHAIN_ID = /^\d{8}_\d{6}_[0-9a-f]{4}$/;

function readInfo(dir: string, id: string): ChainInfo | null {
  try {
    const info = JSON.parse(readFileSync(join(dir, INFO_FILE), "utf8")) as ChainInfo;
    const ok =
      info?.format === 1 &&
      info.id === id &&
      (info.databaseId === null || typeof info.databaseId === "string") &&
      Number.isSafeInteger(info.createdAt) &&
      info.createdAt > 0 &&
      isPageSize(info.pageSize) &&
      Number.isSafeInteger(info.size) &&
      info.size > 0 &&
      info.size <= MAX_PAGES &&
      typeof info.state === "string";
    // The base must be as long as the chain says: a size from outside never makes a file grow.
    return ok && statSync(join(dir, BASE_FILE)).size === info.size * info.pageSize ? info : null;
  } catch {
    return null;
  }
}

/** The change files in `dir` that another one covers (a merge cut short before it removed what it merged). */
function coveredFiles(dir: string): string[] {
  const named = readdirSync(dir)
    .map((name) => ({ name, range: parseChangeFileName(name) }))
    .filter((f): f is { name: string; range: NonNullable<typeof f.range> } => f.range !== null);
  return named
    .filter((f) =>
      named.some(
        (g) =>
          g !== f &&
          g.range.first <= f.range.first &&
          g.range.last >= f.range.last &&
          (g.range.level > f.range.level || g.range.last - g.range.first > f.range.last - f.range.first),
      ),
    )
    .map((f) => f.name);
}

/**
 * The chain in `dir`: its change files in order, as far as they follow on from one another. A
 * file another one covers (a merge that was cut short before it removed what it merged) is
 * passed over; the first gap or unreadable file ends what can be used.
 */
function loadChain(dir: string, info: ChainInfo): Chain {
  const covered = new Set(coveredFiles(dir));
  const covering = readdirSync(dir)
    .filter((name) => !covered.has(name))
    .map((name) => ({ name, range: parseChangeFileName(name) }))
    .filter((f): f is { name: string; range: NonNullable<typeof f.range> } => f.range !== null);
  covering.sort((a, b) => a.range.first - b.range.first);
  const files: Chain["files"] = [];
  let next = 1;
  let state = info.state;
  let problem: string | null = null;
  for (const { name, range } of covering) {
    if (range.first !== next) {
      problem = `the changes after transaction ${next - 1} are missing`;
      break;
    }
    const path = join(dir, name);
    let header: ChangeHeader;
    try {
      header = readChangeHeader(path);
    } catch (error) {
      problem = error instanceof ChangeFileError ? error.message : `the change file ${name} cannot be read`;
      break;
    }
    if (header.chain !== info.id || header.prev !== state || header.pageSize !== info.pageSize) {
      problem = `the change file ${name} does not follow on from the one before it`;
      break;
    }
    files.push({ path, header, bytes: statSync(path).size });
    next = header.last + 1;
    state = header.result;
  }
  return { info, dir, files, problem };
}

/** Every complete chain, oldest first. */
export function listChains(backupsDir: string): Chain[] {
  const root = continuousDir(backupsDir);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const chains: Chain[] = [];
  for (const id of names.filter((n) => CHAIN_ID.test(n)).sort()) {
    const dir = join(root, id);
    const info = readInfo(dir, id);
    if (info) chains.push(loadChain(dir, info));
  }
  return chains.sort((a, b) => a.info.createdAt - b.info.createdAt || a.info.id.localeCompare(b.info.id));
}

/** The last transaction a chain holds and its state: the base's when it has no changes yet. */
export function chainEnd(chain: Chain): { txn: number; state: string; at: number } {
  const last = chain.files.at(-1)?.header;
  return last
    ? { txn: last.last, state: last.result, at: last.to }
    : { txn: 0, state: chain.info.state, at: chain.info.createdAt };
}

/** A folder for a chain being made: hidden, removed by `removeChainLeftovers` when a start never finished it. */
export function newChainFolder(backupsDir: string, id: string): string {
  const root = continuousDir(backupsDir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const temp = join(root, `.${id}.base.${process.pid}.tmp`);
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { mode: 0o700 });
  return temp;
}

/** Completes a chain made in `temp` (its base flushed): `chain.json` written, then the folder named. */
export function finishChain(backupsDir: string, temp: string, info: ChainInfo): string {
  writeFileSync(join(temp, INFO_FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  fsyncFile(join(temp, INFO_FILE));
  fsyncDir(temp);
  const dir = join(continuousDir(backupsDir), info.id);
  renameSync(temp, dir);
  fsyncDir(continuousDir(backupsDir));
  return dir;
}

/** Removes chain folders and change files a stopped process left half made, and files a merge cut short had merged. */
export function removeChainLeftovers(backupsDir: string): void {
  const root = continuousDir(backupsDir);
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    if (leftoverOf(name)) rmSync(join(root, name), { recursive: true, force: true });
    else if (CHAIN_ID.test(name)) {
      const dir = join(root, name);
      for (const inner of readdirSync(dir)) if (leftoverOf(inner)) rmSync(join(dir, inner), { force: true });
      for (const merged of coveredFiles(dir)) rmSync(join(dir, merged), { force: true });
    }
  }
}

/** Removes a whole chain. */
export function removeChain(chain: Chain): void {
  rmSync(chain.dir, { recursive: true, force: true });
}
