import { eq, lt, or } from "drizzle-orm";
import type { DatabaseHandle } from "../db/handle.ts";
import { sessions, users } from "../db/schema.ts";
import type { Clock } from "../lib/time.ts";
import { hashToken, newToken } from "../lib/tokens.ts";
import type { User } from "./users.ts";

export const IDLE_TIMEOUT_MS = 12 * 3600_000;
export const ABSOLUTE_TIMEOUT_MS = 7 * 24 * 3600_000;
/** `last_seen_at` is written at most this often, so reading pages costs no write each time. */
const TOUCH_EVERY_MS = 60_000;

export interface ActiveSession {
  tokenHash: string;
  csrfToken: string;
  user: User;
}

/**
 * Sessions in the main database. Only a SHA-256 of each token is stored; the token lives only in
 * the browser's cookie. A session ends after 12 hours without use or 7 days after sign-in,
 * whichever comes first, at sign-out, and when its user is disabled.
 */
export function createSessionStore(deps: { db: DatabaseHandle; clock: Clock }) {
  const orm = () => deps.db.orm;

  return {
    /** A new session (a new token at every sign-in: an old cookie is never promoted). */
    create(user: User, clientAddress: string | null): { token: string; csrfToken: string } {
      const token = newToken();
      const csrfToken = newToken();
      const now = deps.clock();
      orm()
        .insert(sessions)
        .values({
          tokenHash: hashToken(token),
          userId: user.id,
          csrfToken,
          createdAt: now,
          lastSeenAt: now,
          expiresAt: new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS),
          clientAddress,
        })
        .run();
      return { token, csrfToken };
    },

    /** The session of a token, if it is still valid and its user active; extends its idle time. */
    find(token: string | undefined): ActiveSession | null {
      if (!token) return null;
      const tokenHash = hashToken(token);
      const row = orm()
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, eq(sessions.userId, users.id))
        .where(eq(sessions.tokenHash, tokenHash))
        .get();
      if (!row) return null;
      const now = deps.clock().getTime();
      const idle = now - row.session.lastSeenAt.getTime() > IDLE_TIMEOUT_MS;
      if (idle || now >= row.session.expiresAt.getTime() || row.user.disabled) {
        orm().delete(sessions).where(eq(sessions.tokenHash, tokenHash)).run();
        return null;
      }
      if (now - row.session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
        orm()
          .update(sessions)
          .set({ lastSeenAt: new Date(now) })
          .where(eq(sessions.tokenHash, tokenHash))
          .run();
      }
      return { tokenHash, csrfToken: row.session.csrfToken, user: row.user };
    },

    end(tokenHash: string): void {
      orm().delete(sessions).where(eq(sessions.tokenHash, tokenHash)).run();
    },

    /** Ends every session (after a restore: everyone signs in again). */
    endAll(): void {
      orm().delete(sessions).run();
    },

    /** Deletes sessions past their time; run now and then. */
    sweep(): void {
      const now = deps.clock().getTime();
      orm()
        .delete(sessions)
        .where(
          or(lt(sessions.expiresAt, new Date(now)), lt(sessions.lastSeenAt, new Date(now - IDLE_TIMEOUT_MS))),
        )
        .run();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
