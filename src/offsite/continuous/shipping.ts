import { join } from "node:path";
import { type Chain, continuousDir, listChains } from "../../backup/index.ts";
import type { Log } from "../../lib/log.ts";
import { SharedRecordFile } from "../../lib/shared-file.ts";
import type { Clock } from "../../lib/time.ts";
import { asOffsiteError } from "../errors.ts";
import type { OffsiteService } from "../service.ts";
import type { TargetId } from "../target.ts";
import { type ChainManifest, type RemoteChain, readRemoteChains, shipChains } from "./changes.ts";

/**
 * Continuous protection off the PC: every change file the capture writes goes to every place
 * (`shipChains`), the mirror folder within a second or two of the capture, S3 in batches every
 * `S3_GAP_MS`; a failed place is tried again after 5 s, doubling to a minute, and catches up in
 * order (base first, then the change files). What this installation wrote is recorded in
 * `continuous/shipped.json` (the manifests' SHA-256, the proof of plain ones). The status says,
 * per place, when a change last arrived and how far it is behind.
 */

const MIRROR_GAP_MS = 500;
const S3_GAP_MS = 10_000;
/** A look at every place even without news: chains past the window go, a missed notice is made up for. */
const SWEEP_MS = 60_000;
const FIRST_RETRY_MS = 5_000;
const LAST_RETRY_MS = 60_000;
/** One shipping pass gives up after this long (it is tried again). */
const PASS_MS = 10 * 60_000;
const RECORD_FILE = "shipped.json";

export interface PlaceShipping {
  /** When the place last had every change captured then (ISO 8601), or null. */
  lastCopiedAt: string | null;
  /** Seconds since the oldest change not there yet was captured (0: up to date). */
  lagSeconds: number;
  /** Why the last try failed, or null. */
  problem: string | null;
}

/** What `shipped.json` keeps of a place: the manifests written (chain → SHA-256), and how current it is. */
interface PlaceRecord {
  manifests: Record<string, string>;
  lastCopiedAt: number | null;
  newestThere: number | null;
}

interface PlaceState {
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

export interface ShippingDeps {
  offsite: OffsiteService;
  backupsDir: string;
  keepDays: () => number;
  clock: Clock;
  log: Log;
}

export class ChangeShipping {
  readonly #deps: ShippingDeps;
  readonly #places = new Map<string, PlaceState>();
  #dirty = true;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #file: SharedRecordFile<{ version: 1; places: Record<string, PlaceRecord> }>;

  constructor(deps: ShippingDeps) {
    this.#deps = deps;
    this.#file = new SharedRecordFile(join(continuousDir(deps.backupsDir), RECORD_FILE), (value) => {
      const places = (value as { places?: unknown } | null)?.places;
      return {
        version: 1,
        places: typeof places === "object" && places !== null ? (places as Record<string, PlaceRecord>) : {},
      };
    });
  }

  #recorded(): Record<string, PlaceRecord> {
    return this.#file.read().places;
  }

  /** Records what place `key` holds now (one change at a time, across processes too). */
  #record(key: string, change: (record: PlaceRecord) => void): Promise<void> {
    return this.#file.change(({ places }) => {
      const own: PlaceRecord = {
        manifests: {},
        lastCopiedAt: null,
        newestThere: null,
        ...(places[key] ?? {}),
      };
      change(own);
      places[key] = own;
    });
  }

  /** The capture wrote something: it goes out at the next chance. */
  changed(): void {
    this.#dirty = true;
    const now = this.#deps.clock().getTime();
    for (const state of this.#places.values()) state.pendingSince ??= now;
  }

  /**
   * For `continuous_lagging`, from memory (cheap): each place this app ships to, how long its
   * oldest change not there yet has waited, and why the last try failed.
   */
  health(): { label: string; lagSeconds: number; problem: string | null }[] {
    const { offsite, clock } = this.#deps;
    if (!offsite.configured || !this.#timer) return [];
    const now = clock().getTime();
    return offsite.placeIds().map((id) => {
      const state = this.#places.get(`${id} ${offsite.target(id).where}`);
      const since = state ? state.pendingSince : now;
      return {
        label: offsite.target(id).label,
        lagSeconds: since === null ? 0 : Math.max(0, Math.round((now - since) / 1000)),
        problem: state?.problem ?? null,
      };
    });
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.pass(), 250);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Resolves once no place is being written to. */
  async #idle(): Promise<void> {
    await Promise.all([...this.#places.values()].map((s) => s.busy));
  }

  /**
   * No more passes. Unless `hurry`, one last pass first (within `lastPassMs`) takes the changes
   * read at the database's close off the PC too; the next start sends whatever it could not.
   */
  async stop(options: { hurry?: boolean; lastPassMs?: number } = {}): Promise<void> {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = null;
    if (!options.hurry) {
      const limit = setTimeout(() => this.#abortAll(), options.lastPassMs ?? 5_000);
      await this.#idle();
      await this.#passNow();
      clearTimeout(limit);
    }
    this.#abortAll();
    await this.#idle();
  }

  #abortAll(): void {
    for (const state of this.#places.values()) state.abort?.abort("stopping");
  }

  /** Every place brought up to date now, whatever its pace (`offsite sync`, tests); resolves when done. */
  async syncNow(): Promise<void> {
    await this.#idle();
    await this.#passNow();
  }

  #passNow(): Promise<void> {
    this.#dirty = true;
    for (const state of this.#places.values()) {
      state.lastShipAt = 0;
      state.nextAt = 0;
    }
    return this.pass();
  }

  /**
   * Starts the places that are due, each on its own (a slow S3 never holds the mirror folder
   * up); resolves when the ones it started are done.
   */
  pass(): Promise<void> {
    const { offsite, clock } = this.#deps;
    if (!offsite.configured) return Promise.resolve();
    const now = clock().getTime();
    const dirty = this.#dirty;
    this.#dirty = false;
    const due: { id: TargetId; key: string; state: PlaceState; pending: number | null }[] = [];
    for (const id of offsite.placeIds()) {
      const key = `${id} ${offsite.target(id).where}`;
      const state = this.#places.get(key) ?? this.#newState(now);
      this.#places.set(key, state);
      const gap = id === "mirror" ? MIRROR_GAP_MS : S3_GAP_MS;
      const wanted =
        now >= state.nextAt && (dirty || state.problem !== null || now - state.lastShipAt >= SWEEP_MS);
      if (state.busy || !wanted || now - state.lastShipAt < gap) {
        if (dirty) this.#dirty = true;
        continue;
      }
      // What is captured from here on may miss this pass: it counts as pending again.
      due.push({ id, key, state, pending: state.pendingSince });
      state.pendingSince = null;
    }
    if (due.length === 0) return Promise.resolve();
    const chains = this.#chainsToKeep(now);
    const runs = due.map(({ id, key, state, pending }) => {
      const run = this.#shipTo(id, key, state, chains, now)
        .then((ok) => {
          if (!ok) state.pendingSince = Math.min(pending ?? now, state.pendingSince ?? now);
        })
        .finally(() => {
          state.busy = null;
        });
      state.busy = run;
      return run;
    });
    return Promise.all(runs).then(() => {});
  }

  #newState(now: number): PlaceState {
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

  /** The local chains within the window, of any database (the place keeps what this PC keeps). */
  #chainsToKeep(now: number): Chain[] {
    const chains = listChains(this.#deps.backupsDir);
    const cutoff = now - this.#deps.keepDays() * 86_400_000;
    return chains.filter(
      (_, i) => i === chains.length - 1 || (chains[i + 1] as Chain).info.createdAt > cutoff,
    );
  }

  /** One place brought up to date; false when it failed (said in the log, tried again later). */
  async #shipTo(
    id: TargetId,
    key: string,
    state: PlaceState,
    chains: Chain[],
    now: number,
  ): Promise<boolean> {
    const { offsite, clock, log } = this.#deps;
    const abort = new AbortController();
    state.abort = abort;
    const limit = setTimeout(() => abort.abort(new Error("the shipping pass took too long")), PASS_MS);
    state.lastShipAt = now;
    try {
      const { target, key: placeKey } = await offsite.forWriting(id, abort.signal);
      if (!state.known) {
        const recorded = new Set(Object.values(this.#recorded()[key]?.manifests ?? {}));
        const there = await readRemoteChains(target, placeKey, recorded, abort.signal);
        state.known = new Map(there.filter((c) => c.proven).map((c) => [c.manifest.chain.id, c.manifest]));
      }
      const known = state.known;
      const writes: Promise<void>[] = [];
      const mine = new Set(Object.keys(this.#recorded()[key]?.manifests ?? {}));
      const cutoff = now - this.#deps.keepDays() * 86_400_000;
      const starts = [
        ...chains.map((c) => c.info.createdAt),
        ...[...known.values()].map((m) => m.chain.createdAt),
      ];
      state.newestThere = await shipChains({
        target,
        key: placeKey,
        chains,
        reload: (chain) => listChains(this.#deps.backupsDir).find((c) => c.info.id === chain) ?? null,
        known,
        // Only a chain this installation wrote there, whose successor started before the window.
        mayRemove: (chain, manifest) =>
          mine.has(chain) && starts.some((t) => t > manifest.chain.createdAt && t <= cutoff),
        onManifest: (chain, manifest, sha256) => {
          if (manifest) known.set(chain, manifest);
          else known.delete(chain);
          writes.push(
            this.#record(key, (r) => {
              if (sha256) r.manifests[chain] = sha256;
              else delete r.manifests[chain];
            }),
          );
        },
        signal: abort.signal,
      });
      state.lastCopiedAt = clock().getTime();
      writes.push(
        this.#record(key, (r) => {
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

  /**
   * The chains place `id` holds that a restore may use, newest first: with the place's key only
   * those its MAC proves; without one those this installation recorded writing (`proven`) and, on
   * a PC that recorded none there (a new PC), the others too, unproven (a restore rebuilds them).
   */
  async remoteChains(id: TargetId, signal?: AbortSignal): Promise<RemoteChain[]> {
    const { offsite } = this.#deps;
    const { target, key } = await offsite.forReading(id, signal);
    const own = this.#recorded()[`${id} ${target.where}`]?.manifests ?? {};
    const chains = await readRemoteChains(target, key, new Set(Object.values(own)), signal);
    const wroteThere = Object.keys(own).length > 0;
    return chains.filter((c) => c.proven || !wroteThere).reverse();
  }

  /** Per place: when changes last arrived, how far behind it is, why the last try failed. */
  status(
    newestLocal: number | null,
    oldestUnshipped: (after: number | null) => number | null,
  ): Partial<Record<TargetId, PlaceShipping>> {
    const { offsite, clock } = this.#deps;
    const now = clock().getTime();
    const result: Partial<Record<TargetId, PlaceShipping>> = {};
    if (!offsite.configured) return result;
    const recorded = this.#recorded();
    for (const id of offsite.placeIds()) {
      const key = `${id} ${offsite.target(id).where}`;
      // This process's own view, or (the command line) what the serving app recorded.
      const state = this.#places.get(key) ?? { ...recorded[key], problem: null };
      const behind =
        newestLocal !== null && (state?.newestThere ?? null) !== newestLocal
          ? oldestUnshipped(state?.newestThere ?? null)
          : null;
      result[id] = {
        lastCopiedAt: state?.lastCopiedAt ? new Date(state.lastCopiedAt).toISOString() : null,
        lagSeconds: behind === null ? 0 : Math.max(0, Math.round((now - behind) / 1000)),
        problem: state?.problem ?? null,
      };
    }
    return result;
  }
}
