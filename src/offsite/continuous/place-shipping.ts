import { type Chain, listChains } from "../../backup/index.ts";
import type { Log } from "../../lib/log.ts";
import type { Clock } from "../../lib/time.ts";
import { asOffsiteError } from "../errors.ts";
import type { TargetId } from "../places/target.ts";
import type { OffsiteService } from "../service.ts";
import { shipChains } from "./changes.ts";
import { type ChainManifest, readRemoteChains } from "./manifest.ts";
import type { ShippedRecord } from "./shipped-record.ts";

/**
 * One place brought up to date by continuous protection's shipping (`shipping.ts` decides when):
 * what the place holds read once (the chains there the app stands behind), the local chains sent
 * (`shipChains`), each manifest written recorded in `shipped.json`, and a failure said once in the
 * log and tried again after 5 s, doubling to a minute.
 */

const FIRST_RETRY_MS = 5_000;
const LAST_RETRY_MS = 60_000;
/** One shipping pass gives up after this long (it is tried again). */
const PASS_MS = 10 * 60_000;

export interface ShippingDeps {
  offsite: OffsiteService;
  backupsDir: string;
  keepDays: () => number;
  clock: Clock;
  log: Log;
}

/** How shipping to one place stands, in this process. */
export interface PlaceState {
  /** When the oldest change not known to be there was captured (or noticed), or null. */
  pendingSince: number | null;
  /** The writing under way, and how to give it up. */
  busy: Promise<void> | null;
  abort: AbortController | null;
  known: Map<string, ChainManifest> | null;
  lastShipAt: number;
  lastCopiedAt: number | null;
  newestThere: number | null;
  problem: string | null;
  retryMs: number;
  nextAt: number;
}

/** A place seen for the first time: everything is pending. */
export function newPlaceState(now: number): PlaceState {
  return {
    busy: null,
    abort: null,
    pendingSince: now,
    known: null,
    lastShipAt: 0,
    lastCopiedAt: null,
    newestThere: null,
    problem: null,
    retryMs: 0,
    nextAt: 0,
  };
}

/**
 * Place `id` (`key`: its place in `shipped.json`) brought up to date with `chains`; false when it
 * failed (said in the log once, tried again after 5 s, doubling to a minute).
 */
export async function shipToPlace(
  deps: ShippingDeps,
  record: ShippedRecord,
  place: { id: TargetId; key: string; state: PlaceState },
  chains: Chain[],
  now: number,
): Promise<boolean> {
  const { offsite, clock, log } = deps;
  const { id, key, state } = place;
  const abort = new AbortController();
  state.abort = abort;
  const limit = setTimeout(() => abort.abort(new Error("the shipping pass took too long")), PASS_MS);
  state.lastShipAt = now;
  try {
    const { target, key: placeKey } = await offsite.forWriting(id, abort.signal);
    if (!state.known) {
      const recorded = new Set(Object.values(record.places()[key]?.manifests ?? {}));
      const there = await readRemoteChains(target, placeKey, recorded, abort.signal);
      state.known = new Map(there.filter((c) => c.proven).map((c) => [c.manifest.chain.id, c.manifest]));
    }
    const known = state.known;
    const writes: Promise<void>[] = [];
    const mine = new Set(Object.keys(record.places()[key]?.manifests ?? {}));
    const cutoff = now - deps.keepDays() * 86_400_000;
    const starts = [
      ...chains.map((c) => c.info.createdAt),
      ...[...known.values()].map((m) => m.chain.createdAt),
    ];
    state.newestThere = await shipChains({
      target,
      key: placeKey,
      chains,
      reload: (chain) => listChains(deps.backupsDir).find((c) => c.info.id === chain) ?? null,
      known,
      // Only a chain this installation wrote there, whose successor started before the window.
      mayRemove: (chain, manifest) =>
        mine.has(chain) && starts.some((t) => t > manifest.chain.createdAt && t <= cutoff),
      onManifest: (chain, manifest, sha256) => {
        if (manifest) known.set(chain, manifest);
        else known.delete(chain);
        writes.push(
          record.change(key, (r) => {
            if (sha256) r.manifests[chain] = sha256;
            else delete r.manifests[chain];
          }),
        );
      },
      signal: abort.signal,
    });
    state.lastCopiedAt = clock().getTime();
    writes.push(
      record.change(key, (r) => {
        r.lastCopiedAt = state.lastCopiedAt;
        r.newestThere = state.newestThere;
      }),
    );
    await Promise.all(writes);
    if (state.problem) log.info(`Continuous protection: changes reach ${target.label} again`);
    state.problem = null;
    state.retryMs = 0;
    state.nextAt = 0;
    return true;
  } catch (error) {
    if (abort.signal.reason === "stopping") return false;
    const failure = asOffsiteError(abort.signal.aborted ? abort.signal.reason : error);
    if (state.problem !== failure.message)
      log.error(
        `Continuous protection: changes could not go to ${offsite.target(id).label}: ${failure.message}`,
      );
    state.problem = failure.message;
    state.known = null;
    state.retryMs = Math.min(LAST_RETRY_MS, Math.max(FIRST_RETRY_MS, state.retryMs * 2));
    state.nextAt = clock().getTime() + state.retryMs;
    return false;
  } finally {
    clearTimeout(limit);
    state.abort = null;
  }
}
