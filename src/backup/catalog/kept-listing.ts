import { statSync } from "node:fs";
import { join } from "node:path";
import { MANIFEST_FILE, type ManifestRecord, mergeListing, readManifest, scanFolder } from "./manifest.ts";

/**
 * How long after the folder or the manifest last changed a listing built then is not kept: a
 * change within the same tick of the file system's clock leaves the same times behind (4 ms on
 * ext4, 2 s on FAT, a whole second for Deno's ctime), so only a listing built well after the last
 * change can be told apart from one that came after it.
 */
export const SETTLE_MS = 5000;
/**
 * The oldest a kept listing may be: a backup file rewritten in place (another program copying over
 * it by hand) changes neither the folder nor the manifest, so it shows at the latest after this.
 */
export const MAX_AGE_MS = 60_000;

export interface ListingTimes {
  /** See `SETTLE_MS`; tests shorten it. */
  settleMs?: number;
  /** See `MAX_AGE_MS`. */
  maxAgeMs?: number;
  /**
   * Now, in ms since 1970, on the clock the file system stamps files with: the system's, never the
   * app's (which tests move), default `Date.now`.
   */
  fileTime?: () => number;
  /**
   * Times read are rounded down to this many ms, as a file system that keeps coarse times shows
   * them (FAT keeps 2 s): tests play such a one on any disk. Default 0, as stat gives them.
   */
  tickMs?: number;
}

/** What `stat` says of the folder and the manifest: it changes whenever either could have. */
interface Stamp {
  key: string;
  /** The newest change time of the two (ms since 1970), 0 when neither exists. */
  changedMs: number;
}

/** A file's identity and times, to the nanosecond where the runtime gives them (`tick` in ns); "-" when missing. */
function statOf(path: string, tick: bigint): { key: string; changedMs: number } {
  try {
    const s = statSync(path, { bigint: true });
    const [mtime, ctime] =
      tick > 1n ? [(s.mtimeNs / tick) * tick, (s.ctimeNs / tick) * tick] : [s.mtimeNs, s.ctimeNs];
    const changed = mtime > ctime ? mtime : ctime;
    return { key: `${s.dev}:${s.ino}:${s.size}:${mtime}:${ctime}`, changedMs: Number(changed / 1_000_000n) };
  } catch {
    return { key: "-", changedMs: Number.NaN };
  }
}

function stampOf(dir: string, tick: bigint): Stamp {
  const folder = statOf(dir, tick);
  const manifest = statOf(join(dir, MANIFEST_FILE), tick);
  return {
    key: `${folder.key}|${manifest.key}`,
    changedMs: Math.max(folder.changedMs || 0, manifest.changedMs || 0),
  };
}

/**
 * The backup folder's listing (`mergeListing` of its files and the manifest), built once and kept
 * while two `stat`s (the folder's, the manifest's) say nothing changed, instead of a `readdir` and a
 * `stat` of every backup file and the manifest parsed on each read.
 *
 * The rule: the stamp (device, inode, size, modification and change times of both) is read before
 * the build; a read gets the kept listing only when the stamp is the same now, the listing is
 * younger than `MAX_AGE_MS`, and it was built more than `SETTLE_MS` after the newest of those
 * times. Anything that adds, removes or renames a file changes the folder's times; anything that
 * writes the manifest changes its times and, written whole as the app does, its inode. The app's
 * own changes also drop it at once (`forget`).
 */
export class KeptListing {
  readonly #dir: string;
  readonly #settleMs: number;
  readonly #maxAgeMs: number;
  readonly #fileTime: () => number;
  readonly #tick: bigint;
  #kept: { key: string; listing: ManifestRecord[]; at: number } | null = null;
  /** How many reads built the listing and how many got the kept one (the tests look). */
  readonly counts = { built: 0, kept: 0 };

  constructor(dir: string, times: ListingTimes = {}) {
    this.#dir = dir;
    this.#settleMs = times.settleMs ?? SETTLE_MS;
    this.#maxAgeMs = times.maxAgeMs ?? MAX_AGE_MS;
    this.#fileTime = times.fileTime ?? Date.now;
    this.#tick = BigInt(Math.max(0, Math.floor(times.tickMs ?? 0))) * 1_000_000n;
  }

  /** The backups, newest first: a fresh array each time, of records that must not be changed. */
  list(): ManifestRecord[] {
    const stamp = stampOf(this.#dir, this.#tick);
    const now = this.#fileTime();
    const kept = this.#kept;
    if (kept && kept.key === stamp.key && Math.abs(now - kept.at) < this.#maxAgeMs) {
      this.counts.kept++;
      return kept.listing.slice();
    }
    const listing = this.build();
    this.counts.built++;
    // A clock set back (or a stamp from a server ahead of this PC) makes the change look young: not kept.
    const settled = now - stamp.changedMs > this.#settleMs;
    this.#kept = settled ? { key: stamp.key, listing, at: now } : null;
    return listing.slice();
  }

  /** The listing built from scratch, each record frozen so that no caller changes what is kept. */
  build(): ManifestRecord[] {
    return mergeListing(scanFolder(this.#dir), readManifest(this.#dir).records).map((r) => Object.freeze(r));
  }

  /** Drops the kept listing: the app has just changed the folder. */
  forget(): void {
    this.#kept = null;
  }
}
