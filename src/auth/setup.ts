import type { Clock } from "../lib/time.ts";
import { newToken, sameSecret } from "../lib/tokens.ts";

const SETUP_LINK_LIFETIME_MS = 30 * 60_000;

/** The line the console window and the log show with a setup link (`url`). */
export function setupLinkLine(url: string): string {
  return `No users yet. Open this link within 30 minutes to create the first super administrator: ${url}`;
}

/**
 * The one-time setup link of a first run (no users yet): it creates the first super
 * administrator, works for 30 minutes, and only until it has been used.
 */
export class SetupLink {
  #token: string | null = null;
  #expiresAt = 0;
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Makes a new token (the old one stops working) and returns it. */
  issue(): string {
    this.#token = newToken();
    this.#expiresAt = this.#clock().getTime() + SETUP_LINK_LIFETIME_MS;
    return this.#token;
  }

  /** "valid", "expired" or "invalid" (wrong, used, or never issued); compared in constant time. */
  check(token: string | null | undefined): "valid" | "expired" | "invalid" {
    if (this.#token === null || !sameSecret(token, this.#token)) return "invalid";
    return this.#clock().getTime() < this.#expiresAt ? "valid" : "expired";
  }

  /** The link has done its job. */
  use(): void {
    this.#token = null;
  }
}
