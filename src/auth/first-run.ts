import type { Log } from "../lib/log.ts";
import type { Auth } from "./auth.ts";
import { PasswordsDifferError, SetupLinkExpiredError, SetupLinkInvalidError } from "./errors.ts";
import { type StartedSession, startSession } from "./sign-in.ts";

/**
 * Throws unless `token` is the setup link of a first run: `SetupLinkInvalidError` when users
 * exist already or the token is wrong or used, `SetupLinkExpiredError` after its 30 minutes.
 */
export function checkSetupLink(auth: Auth, token: string): void {
  if (auth.users.count() > 0) throw new SetupLinkInvalidError();
  const state = auth.setup.check(token);
  if (state === "expired") throw new SetupLinkExpiredError();
  if (state === "invalid") throw new SetupLinkInvalidError();
}

/**
 * Creates the first super administrator with the setup link, uses the link up, and signs the
 * new user in. Of two setups at once exactly one succeeds; the other gets `SetupLinkInvalidError`.
 * Throws the user rules' errors (name, password) with nothing created.
 */
export async function completeSetup(
  deps: { auth: Auth; log: Log },
  input: { token: string; username: string; password: string; passwordAgain: string; clientAddress: string },
): Promise<StartedSession> {
  const { auth } = deps;
  checkSetupLink(auth, input.token);
  if (input.password !== input.passwordAgain) throw new PasswordsDifferError();
  const user = await auth.users.createFirst({ username: input.username, password: input.password });
  if (!user) throw new SetupLinkInvalidError();
  auth.setup.use();
  auth.audit.record({
    action: "setup: first super administrator",
    outcome: "success",
    userId: user.id,
    username: user.username,
    target: user.username,
    clientAddress: input.clientAddress,
  });
  deps.log.info(`First super administrator created: ${user.username}`);
  return startSession(auth, user, input.clientAddress);
}
