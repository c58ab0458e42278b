import type { Clock } from "../../lib/time.ts";

/**
 * What a piece of background work does: a backup's full check, the live database's check, tidying,
 * a restore drill the schedule started, continuous protection's merge of its changes and the full
 * check of a chain's base.
 */
export type BackgroundKind = "backup-check" | "database-check" | "tidy" | "drill" | "merge" | "base-check";

/** A piece of background work as the status shows it. */
export interface BackgroundPiece {
  kind: BackgroundKind;
  /** The backup it is about (a check's), or null. */
  name: string | null;
  startedAt: string;
}

/**
 * Why a piece of background work stopped: an operation someone started (a backup, restore, drill,
 * upload) goes first. The piece runs again once that operation has ended.
 */
export class BackgroundYieldedError extends Error {
  constructor() {
    super("it made way for an operation someone started; it runs again afterwards");
    this.name = "BackgroundYieldedError";
  }
}

/**
 * Called once a piece's work is done and before its result is recorded; a test holds a check
 * there (a promise it settles) to start an operation while the check is in flight.
 */
export type BackgroundHold = (piece: BackgroundPiece) => Promise<void>;

interface Running {
  piece: BackgroundPiece;
  controller: AbortController;
}

/**
 * The background work running now — what, about which backup, since when — each piece with its
 * own `AbortController`. An operation someone starts (`pause`) aborts every piece at once: the
 * piece's promise rejects with `BackgroundYieldedError` without waiting for it, a check in a
 * worker gives its thread up (SQLite calls cannot be interrupted, so the thread is ended), and
 * nothing it found is recorded. New pieces wait until every such operation has ended (`whenFree`).
 */
export class BackgroundWork {
  readonly #clock: Clock;
  readonly #hold: BackgroundHold | undefined;
  readonly #running = new Set<Running>();
  readonly #listeners = new Set<(ended: Promise<void>) => void>();
  #pauses = 0;
  #free: Promise<void> = Promise.resolve();
  #unpause: () => void = () => {};

  constructor(options: { clock: Clock; hold?: BackgroundHold | undefined }) {
    this.#clock = options.clock;
    this.#hold = options.hold;
  }

  /** The pieces running now, oldest first. */
  list(): BackgroundPiece[] {
    return [...this.#running].map((r) => ({ ...r.piece }));
  }

  /**
   * Runs one piece: `work` (reading, checking; it must stop doing anything that lasts once `signal`
   * aborts), then — only when it finished and no operation aborted it meanwhile — `record` with
   * its result (under a short hold of the lock, which `record` takes itself; it answers false when
   * it found the signal aborted there and recorded nothing). Rejects with
   * `BackgroundYieldedError` as soon as an operation someone starts aborts it; nothing is
   * recorded then, and the caller runs it again later.
   */
  async run<R>(
    what: { kind: BackgroundKind; name: string | null },
    work: (signal: AbortSignal) => Promise<R>,
    record: (result: R, signal: AbortSignal) => Promise<boolean>,
  ): Promise<void> {
    // Again while an operation started between the wait's end and this piece's start.
    while (this.#pauses > 0) await this.whenFree();
    const controller = new AbortController();
    const entry: Running = { piece: { ...what, startedAt: this.#clock().toISOString() }, controller };
    this.#running.add(entry);
    const { signal } = controller;
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    // The piece's own promise may settle after an abort: its outcome is then nobody's.
    aborted.catch(() => {});
    try {
      const result = await Promise.race([work(signal), aborted]);
      await Promise.race([this.#hold?.(entry.piece), aborted]);
      if (signal.aborted) throw signal.reason;
      // Not raced against an abort: a record under way either commits (it looks at the signal
      // under the lock) or answers false, having recorded nothing — then it runs again later.
      if (!(await record(result, signal))) throw signal.reason ?? new BackgroundYieldedError();
    } finally {
      this.#running.delete(entry);
    }
  }

  /**
   * `listener` hears of each operation someone starts, with a promise that resolves once no such
   * operation runs: background work kept elsewhere (off-site copies) makes way for it too.
   */
  onPause(listener: (ended: Promise<void>) => void): void {
    this.#listeners.add(listener);
  }

  /**
   * An operation someone started: every piece running now stops (`BackgroundYieldedError`) and no
   * piece starts until the returned function is called (when the operation has ended).
   */
  pause(): () => void {
    if (this.#pauses++ === 0)
      this.#free = new Promise((resolve) => {
        this.#unpause = resolve;
      });
    for (const r of this.#running) r.controller.abort(new BackgroundYieldedError());
    for (const listener of this.#listeners) listener(this.#free);
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      if (--this.#pauses === 0) this.#unpause();
    };
  }

  /** Resolves when no operation someone started is running. */
  whenFree(): Promise<void> {
    return this.#free;
  }
}
