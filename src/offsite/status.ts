import { newestFirst } from "../backup/index.ts";
import type { RemoteCopy } from "./copies/copies.ts";
import type { OffsiteError } from "./errors.ts";
import type { OffsiteTarget, TargetId } from "./places/target.ts";

/** One target's part of the status. */
export interface OffsiteTargetStatus {
  target: TargetId;
  label: string;
  where: string;
  /** When this target was last brought up to date. */
  lastSuccessAt: string | null;
  /** Since when copying to it fails, or null. */
  failingSince: string | null;
  /** Why it failed last, in a few words ("access denied"), or null. */
  lastError: string | null;
  /** How many whole copies it holds, as last seen; null before the first look. */
  copies: number | null;
  /** When the newest of them was copied. */
  lastCopyAt: string | null;
  /** Objects there that BusinessApp did not write (or cannot prove it wrote), left alone; null before the first look. */
  foreignObjects: number | null;
  /** It holds encrypted copies and no passphrase is set on this PC: nothing is written there. */
  needsPassphrase: boolean;
}

/** What the status page, the dashboard and `GET /api/status` show of off-site copies. */
export interface OffsiteStatus {
  /** The last time every target was brought up to date. */
  lastSuccessAt: string | null;
  /** Since when copies fail (the first failure after the last success), or null. */
  failingSince: string | null;
  /** Why the last run failed, naming the target ("access denied (S3)"), or null. */
  lastError: string | null;
  encrypted: boolean;
  running: boolean;
  /** When a failed run is tried again. */
  retryAt: string | null;
  /** Runs that failed, and copies made, since the app started. */
  failedRuns: number;
  copiesMade: number;
  targets: OffsiteTargetStatus[];
}

/** What is remembered of one target between runs. */
class TargetState {
  lastSuccessAt: string | null = null;
  failingSince: string | null = null;
  lastError: OffsiteError | null = null;
  copies: RemoteCopy[] | null = null;
  foreign: number | null = null;
  needsPassphrase = false;

  succeeded(at: string, copies: RemoteCopy[]): void {
    this.lastSuccessAt = at;
    this.failingSince = null;
    this.lastError = null;
    this.copies = copies;
    this.needsPassphrase = false;
  }

  failed(at: string, error: OffsiteError): void {
    this.failingSince ??= at;
    this.lastError = error;
  }

  statusOf(target: OffsiteTarget): OffsiteTargetStatus {
    const copies = this.copies;
    const lastCopyAt = copies?.reduce<string | null>(
      (t, c) => (t === null || c.copiedAt > t ? c.copiedAt : t),
      null,
    );
    return {
      target: target.id,
      label: target.label,
      where: target.where,
      lastSuccessAt: this.lastSuccessAt,
      failingSince: this.failingSince,
      lastError: this.lastError?.reason ?? null,
      copies: copies?.length ?? null,
      lastCopyAt: lastCopyAt ?? null,
      foreignObjects: this.foreign,
      needsPassphrase: this.needsPassphrase,
    };
  }
}

/** Where one backup has copies: each target, with the time of the copy. */
export interface CopyPlace {
  target: TargetId;
  label: string;
  copiedAt: string;
  encrypted: boolean;
}

/** Minutes before a failed run is tried again: doubling, at most an hour. */
const RETRY_MINUTES = [1, 2, 4, 8, 16, 32, 60];

/**
 * The record of runs: per target its last success and failure and the copies it holds as last
 * seen, and over all targets when they were last all up to date and since when they fail.
 */
export class RunLedger {
  readonly #states = new Map<string, TargetState>();
  #overall = {
    lastSuccessAt: null as string | null,
    failingSince: null as string | null,
    lastError: null as string | null,
  };
  /** Failed runs in a row. */
  failuresInARow = 0;
  failedRuns = 0;
  copiesMade = 0;

  #state(target: OffsiteTarget): TargetState {
    const key = `${target.id} ${target.where}`;
    const known = this.#states.get(key);
    if (known) return known;
    const state = new TargetState();
    this.#states.set(key, state);
    return state;
  }

  /** Forgets targets that are no longer set up (another folder or bucket is another place). */
  keepOnly(targets: readonly OffsiteTarget[]): void {
    for (const key of this.#states.keys()) {
      if (!targets.some((t) => `${t.id} ${t.where}` === key)) this.#states.delete(key);
    }
  }

  succeeded(target: OffsiteTarget, at: string, copies: RemoteCopy[], made: number): void {
    this.#state(target).succeeded(at, copies);
    this.copiesMade += made;
  }

  failed(target: OffsiteTarget, at: string, error: OffsiteError): void {
    this.#state(target).failed(at, error);
  }

  /** The copies `target` holds, as looked up now. */
  saw(target: OffsiteTarget, copies: RemoteCopy[]): void {
    this.#state(target).copies = copies;
  }

  /** How many objects `target` holds that the app did not write; true when that is news (the log says it once). */
  sawForeign(target: OffsiteTarget, count: number): boolean {
    const state = this.#state(target);
    const news = state.foreign !== count;
    state.foreign = count;
    return news;
  }

  /** Whether `target` holds encrypted copies while no passphrase is set (nothing is written there). */
  needsPassphrase(target: OffsiteTarget, needed: boolean): void {
    this.#state(target).needsPassphrase = needed;
  }

  /** Minutes until the run after the next failure: 1 after the first, then doubling to 60. */
  retryMinutes(): number {
    return RETRY_MINUTES[Math.min(this.failuresInARow, RETRY_MINUTES.length - 1)] as number;
  }

  /** A whole run ended: with every target up to date, or with `failure` (the first one). */
  ended(at: string, failure: { target: OffsiteTarget; error: OffsiteError } | null): void {
    if (!failure) {
      this.#overall = { lastSuccessAt: at, failingSince: null, lastError: null };
      this.failuresInARow = 0;
      return;
    }
    this.#overall.failingSince ??= at;
    this.#overall.lastError = `${failure.error.reason} (${failure.target.label})`;
    this.failuresInARow++;
    this.failedRuns++;
  }

  status(
    targets: readonly OffsiteTarget[],
    now: { encrypted: boolean; running: boolean; retryAt: string | null },
  ): OffsiteStatus {
    return {
      ...this.#overall,
      ...now,
      failedRuns: this.failedRuns,
      copiesMade: this.copiesMade,
      targets: targets.map((t) => this.#state(t).statusOf(t)),
    };
  }

  /** Every backup with a copy, once (the first target's copy), as last seen; newest first. */
  copies(targets: readonly OffsiteTarget[]): RemoteCopy[] {
    const seen = new Map<string, RemoteCopy>();
    for (const target of targets) {
      for (const copy of this.#state(target).copies ?? [])
        if (!seen.has(copy.name)) seen.set(copy.name, copy);
    }
    return [...seen.values()].sort(newestFirst);
  }

  /** Where each backup has copies, as last seen. */
  places(targets: readonly OffsiteTarget[]): Map<string, CopyPlace[]> {
    const places = new Map<string, CopyPlace[]>();
    for (const target of targets) {
      for (const copy of this.#state(target).copies ?? []) {
        const place = {
          target: target.id,
          label: target.label,
          copiedAt: copy.copiedAt,
          encrypted: copy.encrypted,
        };
        places.set(copy.name, [...(places.get(copy.name) ?? []), place]);
      }
    }
    return places;
  }
}
