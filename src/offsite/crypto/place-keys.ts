import { lockWithin } from "../../lib/files/shared-file.ts";
import type { Clock } from "../../lib/time.ts";
import { isEncryptedCopyName } from "../copies/copies.ts";
import type { Place } from "../places/targets.ts";
import { type KeyRecord, openPlaceKey, type PlaceKey, placeKey } from "./keys.ts";

/** The longest a process waits while another opens or makes a place's key (network work, itself bounded). */
const KEY_LOCK_WAIT_MS = 2 * 60_000;

/**
 * The places' keys as the service's runs and continuous protection's shipping get them: opened
 * with the passphrase, or made for a place that never held encrypted copies (`placeKey`) — one at
 * a time per place in this process, and under the place's key lock (`lockPath` with the place's
 * id: `.business-app.offsite-key-mirror.lock`, `…-s3.lock`) across processes: two
 * processes finding no key at once (the app's shipping, `offsite sync` beside it) would each make
 * one, and the copies made with the key written over would open with neither. The second waits,
 * then finds the first one's key.
 */
export class PlaceKeys {
  readonly #deps: { lockPath: string; clock: Clock; passphrase: () => string | null };
  /** The key work going on per place (`forWriting`). */
  readonly #work = new Map<string, Promise<PlaceKey | null>>();

  constructor(deps: { lockPath: string; clock: Clock; passphrase: () => string | null }) {
    this.#deps = deps;
  }

  /** What this installation knows of a place's key. */
  known(place: Place): KeyRecord {
    const record = place.ledger.record();
    return { pinned: record.key, encrypted: record.encrypted };
  }

  /** The place's key opened with the passphrase (never made here), or null. */
  async open(place: Place, signal?: AbortSignal): Promise<PlaceKey | null> {
    const passphrase = this.#deps.passphrase();
    return passphrase === null ? null : openPlaceKey(place.target, passphrase, this.known(place), signal);
  }

  /** For writing there: the place's key (made when the place never held encrypted copies), or null without a passphrase. */
  forWriting(place: Place, signal: AbortSignal): Promise<PlaceKey | null> {
    const id = `${place.target.id} ${place.target.where}`;
    const before = this.#work.get(id) ?? Promise.resolve(null);
    const next = before.catch(() => null).then(() => this.#makeOrOpen(place, signal));
    this.#work.set(id, next);
    return next;
  }

  async #makeOrOpen(place: Place, signal: AbortSignal): Promise<PlaceKey | null> {
    const passphrase = this.#deps.passphrase();
    if (passphrase === null) return null;
    // One lock per kind of place (a data folder has one mirror and one bucket): a slow bucket
    // never holds up the mirror.
    const lock = await lockWithin(
      this.#deps.lockPath.replace(/\.lock$/, `-${place.target.id}.lock`),
      KEY_LOCK_WAIT_MS,
    );
    try {
      const files = await place.target.list(signal);
      return await placeKey(place.target, passphrase, {
        known: this.known(place),
        encryptedCopies: files.filter((f) => isEncryptedCopyName(f.name)).map((f) => f.name),
        remember: (recipient) =>
          place.ledger.change((r) => {
            r.key = recipient;
          }),
        clock: this.#deps.clock,
        signal,
      });
    } finally {
      lock.release();
    }
  }
}
