import type { Clock } from "../../lib/time.ts";
import { TooManyManualBackupsError } from "../errors.ts";

/** Manual backups one person may start in an hour unless the engine is told otherwise. */
export const DEFAULT_MANUAL_BACKUPS_PER_HOUR = 12;

const HOUR_MS = 3600_000;

/**
 * Counts the manual backups each person started within the last hour (a sliding window), so
 * that one account cannot fill the disk or keep the engine busy by starting backup after
 * backup. Kept in memory: a restart forgets the counts, which only ever allows more.
 */
export class ManualBackupLimiter {
  readonly #limit: number;
  readonly #clock: Clock;
  readonly #started = new Map<string, number[]>();

  constructor(limit: number, clock: Clock) {
    this.#limit = limit;
    this.#clock = clock;
  }

  /** Throws `TooManyManualBackupsError` (with the seconds to wait) when `who` is at the limit. */
  check(who: string): void {
    const recent = this.#recent(who);
    if (recent.length < this.#limit) return;
    const oldest = recent[0] as number;
    const wait = Math.max(1, Math.ceil((oldest + HOUR_MS - this.#clock().getTime()) / 1000));
    throw new TooManyManualBackupsError(this.#limit, wait);
  }

  /** Counts one started backup for `who`. */
  record(who: string): void {
    this.#started.set(who, [...this.#recent(who), this.#clock().getTime()]);
  }

  #recent(who: string): number[] {
    const since = this.#clock().getTime() - HOUR_MS;
    const recent = (this.#started.get(who) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.#started.delete(who);
    else this.#started.set(who, recent);
    return recent;
  }
}
