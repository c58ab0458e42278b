import type { Clock } from "../lib/time.ts";

interface Bucket {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

/**
 * Slows down password guessing, per account and per client address: after `freeFailures`
 * failures in a row, each further failure locks the key for twice as long as the last (1 s,
 * 2 s, 4 s … at most 15 minutes). A success resets the account, not the address. Kept in memory:
 * a restart forgives, which is fine for a shop PC and keeps the database out of it.
 */
export function createLoginThrottle(deps: { clock: Clock; freeFailures?: number; forgetAfterMs?: number }) {
  const free = deps.freeFailures ?? 5;
  // The address may try more accounts than one account may be tried.
  const addressAllowed = free * 4;
  const forgetAfter = deps.forgetAfterMs ?? 3600_000;
  const buckets = new Map<string, Bucket>();
  const maxLockMs = 15 * 60_000;

  function bucket(key: string, now: number): Bucket {
    let b = buckets.get(key);
    if (!b || now - b.lastFailure > forgetAfter) {
      b = { failures: 0, lockedUntil: 0, lastFailure: 0 };
      buckets.set(key, b);
    }
    return b;
  }

  const accountKey = (username: string) => `user:${username.trim().toLowerCase()}`;
  const keys = (username: string, address: string) => [accountKey(username), `addr:${address}`];

  return {
    /** Seconds to wait before another attempt is allowed, or 0. */
    retryAfter(username: string, address: string): number {
      const now = deps.clock().getTime();
      const waits = keys(username, address).map((k) => Math.max(0, (buckets.get(k)?.lockedUntil ?? 0) - now));
      return Math.ceil(Math.max(...waits) / 1000);
    },

    failed(username: string, address: string): void {
      const now = deps.clock().getTime();
      for (const key of keys(username, address)) {
        const allowed = key.startsWith("addr:") ? addressAllowed : free;
        const b = bucket(key, now);
        b.failures++;
        b.lastFailure = now;
        if (b.failures >= allowed) {
          b.lockedUntil = now + Math.min(maxLockMs, 1000 * 2 ** (b.failures - allowed));
        }
      }
      if (buckets.size > 10_000) {
        for (const [key, b] of buckets) if (now - b.lastFailure > forgetAfter) buckets.delete(key);
      }
    },

    /**
     * A sign-in succeeded: the account's bucket is cleared, and the address's count loses only
     * the failure `failed` counted in advance for this attempt. The address keeps the rest:
     * otherwise one known account would reset the guessing of every other account from there.
     */
    succeeded(username: string, address: string): void {
      buckets.delete(accountKey(username));
      const b = buckets.get(`addr:${address}`);
      if (!b) return;
      b.failures = Math.max(0, b.failures - 1);
      if (b.failures < addressAllowed) b.lockedUntil = 0;
    },
  };
}
