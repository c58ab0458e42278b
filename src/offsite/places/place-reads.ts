import { newestFirst } from "../../backup/index.ts";
import { AUDIT_FILE } from "../../config/paths.ts";
import { type RemoteCopy, readContents, type TargetContents } from "../copies/copies.ts";
import { type FetchedCopy, fetchCopy } from "../copies/fetch.ts";
import type { PlaceKeys } from "../crypto/place-keys.ts";
import type { TargetId } from "./target.ts";
import { type OffsiteOptions, type Place, placeDeadline } from "./targets.ts";

/** Looking at what a place holds (for `offsite status`, a restore) takes at most this long. */
const LOOK_MS = 10 * 60_000;

/** What reading a place needs of the service. */
export interface PlaceReadsDeps {
  /** Place `id`; `OffsiteNotConfiguredError` when it is not set up. */
  place(id: TargetId): Place;
  keys: PlaceKeys;
  /** The options set now (the passphrase, the waits). */
  options(): OffsiteOptions;
  /** Told what a look at a place found: its copies, whether they need the passphrase, what is not the app's. */
  saw(place: Place, contents: TargetContents): void;
  /** Where a file of that name goes in the backup folder. */
  pathOf(name: string): string;
}

/**
 * Reading what a place holds outside a run, for restores, off-site drills and the command line:
 * what is there looked up now (within `LOOK_MS`), which copies a restore may use, and downloads to
 * a hidden temporary file in the backup folder, each bounded in time however slowly it trickles in.
 */
export class PlaceReads {
  readonly #deps: PlaceReadsDeps;

  constructor(deps: PlaceReadsDeps) {
    this.#deps = deps;
  }

  /** What place `id` holds, looked up now (within `LOOK_MS`). */
  async #contents(id: TargetId): Promise<{ place: Place; contents: TargetContents }> {
    const place = this.#deps.place(id);
    const limit = placeDeadline(LOOK_MS, `looking at ${place.target.label}`);
    let contents: TargetContents;
    try {
      contents = await readContents(
        place.target,
        {
          key: await this.#deps.keys.open(place, limit.signal),
          passphrase: this.#deps.options().passphrase !== null,
          record: place.ledger.record(),
        },
        limit.signal,
      );
    } finally {
      limit.clear();
    }
    this.#deps.saw(place, contents);
    return { place, contents };
  }

  /**
   * The copies in place `id` a restore may use, looked up now, newest first: the app's own, proven
   * copies. Without a passphrase also the whole copies it cannot prove — each is judged by the
   * trust rule and rebuilt when restored — but for "the newest" (`latest`) only while this
   * installation has written none there (a new PC): once it has, an unproven copy is someone
   * else's, and never chosen as the newest. `lost`: the copies this installation wrote there that
   * are no longer as it wrote them (`TargetContents.lost`).
   */
  async offered(
    id: TargetId,
    purpose: "named" | "latest",
  ): Promise<{ copies: RemoteCopy[]; lost: string[] }> {
    const { place, contents } = await this.#contents(id);
    const knowsPlace = Object.keys(place.ledger.record().copies).length > 0;
    const offered = purpose === "latest" && knowsPlace ? [] : contents.unproven;
    return { copies: [...contents.copies, ...offered].sort(newestFirst), lost: contents.lost };
  }

  /**
   * The audit trail's copy in place `id` (proven the app's own, so only with the passphrase),
   * downloaded to a hidden temporary file in the backup folder (`fetchCopy`): its path, or null
   * when the place holds none.
   */
  async fetchAuditTrail(id: TargetId): Promise<string | null> {
    const { contents } = await this.#contents(id);
    return contents.audit ? this.download(id, contents.audit, AUDIT_FILE) : null;
  }

  /**
   * Downloads `copy` from place `id` to a hidden temporary file in the backup folder, named after
   * `localName` (`fetchCopy`: decrypted, its size and SHA-256 checked); returns its path.
   */
  async download(
    id: TargetId,
    copy: FetchedCopy,
    localName: string,
    onProgress?: (bytes: number) => void,
  ): Promise<string> {
    const place = this.#deps.place(id);
    const { passphrase, timeouts } = this.#deps.options();
    // However slowly it trickles in, a download ends: the wait for an answer, then 64 KiB/s.
    const ms = 2 * timeouts.answerMs + Math.ceil(copy.copySize / 64);
    const limit = placeDeadline(ms, `the download of ${copy.copyName}`);
    try {
      return await fetchCopy({
        target: place.target,
        copy,
        destination: this.#deps.pathOf(localName),
        passphrase,
        key: copy.encrypted ? await this.#deps.keys.open(place, limit.signal) : null,
        signal: limit.signal,
        ...(onProgress ? { onProgress } : {}),
      });
    } finally {
      limit.clear();
    }
  }
}
