import { newToken, sameSecret } from "../lib/tokens.ts";

/**
 * Recovery mode: the main database would not open or failed its check at start. The app still
 * serves a recovery page, reachable only with the one-time token printed to the console and log
 * (the users who could sign in live in the broken database).
 */
export class RecoveryState {
  #reason: string | null = null;
  #token: string | null = null;

  get active(): boolean {
    return this.#reason !== null;
  }

  get reason(): string | null {
    return this.#reason;
  }

  /** Enters recovery mode and returns the new token for the link. */
  enter(reason: string): string {
    this.#reason = reason;
    this.#token = newToken();
    return this.#token;
  }

  /** Leaves recovery mode after a successful restore; the token stops working. */
  leave(): void {
    this.#reason = null;
    this.#token = null;
  }

  /** Compares in constant time, so the token cannot be guessed a character at a time. */
  accepts(token: string | undefined | null): boolean {
    return this.#token !== null && sameSecret(token, this.#token);
  }
}
