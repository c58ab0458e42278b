import { type Chain, listChains } from "../../backup/index.ts";
import type { TargetId } from "../places/target.ts";
import { type RemoteChain, readRemoteChains } from "./manifest.ts";
import { newPlaceState, type PlaceState, type ShippingDeps, shipToPlace } from "./place-shipping.ts";
import { ShippedRecord } from "./shipped-record.ts";

/**
 * Continuous protection off the PC: every change file the capture writes goes to every place
 * (`shipToPlace`), the mirror folder within a second or two of the capture, S3 in batches every
 * `S3_GAP_MS`; a failed place is tried again after 5 s, doubling to a minute, and catches up in
 * order (base first, then the change files). What this installation wrote is recorded in
 * `continuous/shipped.json` (`ShippedRecord`: the manifests' SHA-256, the proof of plain ones).
 * The status says, per place, when a change last arrived and how far it is behind.
 */

const MIRROR_GAP_MS = 500;
const S3_GAP_MS = 10_000;
/** A look at every place even without news: chains past the window go, a missed notice is made up for. */
const SWEEP_MS = 60_000;

export interface PlaceShipping {
  /** When the place last had every change captured then (ISO 8601), or null. */
  lastCopiedAt: string | null;
  /** Seconds since the oldest change not there yet was captured (0: up to date). */
  lagSeconds: number;
  /** Why the last try failed, or null. */
  problem: string | null;
}

export class ChangeShipping {
  readonly #deps: ShippingDeps;
  readonly #places = new Map<string, PlaceState>();
  #dirty = true;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #record: ShippedRecord;

  constructor(deps: ShippingDeps) {
    this.#deps = deps;
    this.#record = new ShippedRecord(deps.backupsDir);
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
      const state = this.#places.get(key) ?? newPlaceState(now);
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
      const run = shipToPlace(this.#deps, this.#record, { id, key, state }, chains, now)
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

  /** The local chains within the window, of any database (the place keeps what this PC keeps). */
  #chainsToKeep(now: number): Chain[] {
    const chains = listChains(this.#deps.backupsDir);
    const cutoff = now - this.#deps.keepDays() * 86_400_000;
    return chains.filter(
      (_, i) => i === chains.length - 1 || (chains[i + 1] as Chain).info.createdAt > cutoff,
    );
  }

  /**
   * The chains place `id` holds that a restore may use, newest first: with the place's key only
   * those its MAC proves; without one those this installation recorded writing (`proven`) and, on
   * a PC that recorded none there (a new PC), the others too, unproven (a restore rebuilds them).
   */
  async remoteChains(id: TargetId, signal?: AbortSignal): Promise<RemoteChain[]> {
    const { offsite } = this.#deps;
    const { target, key } = await offsite.forReading(id, signal);
    const own = this.#record.places()[`${id} ${target.where}`]?.manifests ?? {};
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
    const recorded = this.#record.places();
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
