import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createAuth } from "../../src/auth/auth.ts";
import { TooManyAttemptsError, WrongCredentialsError } from "../../src/auth/errors.ts";
import { signIn, signOut } from "../../src/auth/sign-in.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { manualClock } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";

async function setup() {
  const dir = tempDir("business-app-sign-in-");
  const db = new DatabaseHandle(join(dir, "test.db"));
  db.open();
  const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
  const auth = createAuth({ db, clock, auditPath: join(dir, "audit.db") });
  const anna = await auth.users.create({ username: "anna", password: "the right password", role: "user" });
  return { auth, clock, anna };
}

const at = "192.0.2.7";

describe("sign-in policy", () => {
  test("a right password starts a session the store knows; signing out ends it; both are audited", async () => {
    const { auth, anna } = await setup();
    const started = await signIn(auth, {
      username: "ANNA",
      password: "the right password",
      clientAddress: at,
    });
    expect(started.user.id).toBe(anna.id);
    const session = auth.sessions.find(started.token);
    expect(session?.csrfToken).toBe(started.csrfToken);
    expect(auth.users.findById(anna.id)?.lastLoginAt).not.toBeNull();
    signOut(auth, session as NonNullable<typeof session>, at);
    expect(auth.sessions.find(started.token)).toBeNull();
    expect(auth.audit.newest().map((e) => [e.action, e.outcome, e.clientAddress])).toEqual([
      ["sign-out", "success", at],
      ["sign-in", "success", at],
    ]);
  });

  test("a wrong name and a wrong password are the same error, each audited as a failure", async () => {
    const { auth } = await setup();
    for (const [username, password] of [
      ["nobody", "the right password"],
      ["anna", "not the password"],
    ] as const) {
      const error = await signIn(auth, { username, password, clientAddress: at }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongCredentialsError);
      expect((error as Error).message).toBe("Wrong user name or password.");
    }
    expect(auth.audit.newest().filter((e) => e.action === "sign-in" && e.outcome === "failure")).toHaveLength(
      2,
    );
  });

  test("after 5 failures the account waits, even for the right password; the wait ends", async () => {
    const { auth, clock } = await setup();
    for (let i = 0; i < 5; i++) {
      await signIn(auth, { username: "anna", password: "wrong", clientAddress: at }).catch(() => {});
    }
    const error = await signIn(auth, {
      username: "anna",
      password: "the right password",
      clientAddress: at,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyAttemptsError);
    expect((error as TooManyAttemptsError).retryAfterSeconds).toBeGreaterThan(0);
    clock.advance((error as TooManyAttemptsError).retryAfterSeconds * 1000);
    const started = await signIn(auth, {
      username: "anna",
      password: "the right password",
      clientAddress: at,
    });
    expect(started.user.username).toBe("anna");
  });
});
