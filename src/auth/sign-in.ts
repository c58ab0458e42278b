import type { Auth } from "./auth.ts";
import { TooManyAttemptsError, WrongCredentialsError } from "./errors.ts";
import { dummyPasswordHash, verifyPassword } from "./passwords.ts";
import type { ActiveSession } from "./sessions.ts";
import type { User } from "./users.ts";

/** A new session: its token for the cookie and its CSRF token for the pages. */
export interface StartedSession {
  user: User;
  token: string;
  csrfToken: string;
}

/** Starts a session for `user` (a new token every time: an old cookie is never promoted). */
export function startSession(auth: Auth, user: User, clientAddress: string): StartedSession {
  const { token, csrfToken } = auth.sessions.create(user, clientAddress);
  auth.users.recordLogin(user.id);
  return { user, token, csrfToken };
}

/**
 * Checks a name and password, throttled per account and per client address, and starts a
 * session. One error for a wrong name and a wrong password (`WrongCredentialsError`), and the
 * same hashing work for both, so neither the answer nor its time tells which names exist.
 * Throws `TooManyAttemptsError` while throttled. Every outcome is in the audit trail.
 */
export async function signIn(
  auth: Auth,
  attempt: { username: string; password: string; clientAddress: string },
): Promise<StartedSession> {
  const { username, clientAddress } = attempt;
  const wait = auth.throttle.retryAfter(username, clientAddress);
  if (wait > 0) throw new TooManyAttemptsError(wait);
  // Counted as a failure before the password is checked, so guesses sent in parallel are
  // throttled too; a success clears it below.
  auth.throttle.failed(username, clientAddress);
  const found = username.trim() ? auth.users.findByName(username) : undefined;
  const valid = await verifyPassword(attempt.password, found?.passwordHash ?? (await dummyPasswordHash()));
  // Read again after the wait: a restore may have replaced the database meanwhile.
  const user = found ? auth.users.findByName(username) : undefined;
  const same = user !== undefined && user.id === found?.id && user.passwordHash === found.passwordHash;
  if (!user || !valid || !same || user.disabled) {
    auth.audit.recordAnonymous({
      action: "sign-in",
      outcome: "failure",
      username: username.slice(0, 64),
      userId: user?.id ?? null,
      clientAddress,
    });
    throw new WrongCredentialsError();
  }
  auth.throttle.succeeded(username, clientAddress);
  auth.audit.record({
    action: "sign-in",
    outcome: "success",
    userId: user.id,
    username: user.username,
    clientAddress,
  });
  return startSession(auth, user, clientAddress);
}

/** Ends the session on the server and writes it to the audit trail. */
export function signOut(auth: Auth, session: ActiveSession, clientAddress: string): void {
  auth.sessions.end(session.tokenHash);
  auth.audit.record({
    action: "sign-out",
    outcome: "success",
    userId: session.user.id,
    username: session.user.username,
    clientAddress,
  });
}
