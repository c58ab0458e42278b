import { AppError } from "../lib/errors.ts";

/**
 * The codes of signing in and of the first-run setup. `wrong_credentials` and
 * `too_many_attempts` are the codes the JSON API has always answered with; clients match on them.
 */
export const AUTH_ERROR_CODES = [
  "auth.weak_password",
  "auth.wrong_credentials",
  "auth.too_many_attempts",
  "setup.expired",
  "setup.invalid",
  "setup.passwords_differ",
] as const;
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** One message for a wrong name and a wrong password, so the answer never tells which names exist. */
export class WrongCredentialsError extends AppError<AuthErrorCode> {
  constructor() {
    super("auth.wrong_credentials", "Wrong user name or password.");
  }
}

export class TooManyAttemptsError extends AppError<AuthErrorCode> {
  /** Seconds until the next attempt is allowed. */
  readonly retryAfterSeconds: number;

  constructor(seconds: number) {
    super("auth.too_many_attempts", `Too many failed attempts. Try again in ${seconds} s.`);
    this.retryAfterSeconds = seconds;
  }
}

export class SetupLinkExpiredError extends AppError<AuthErrorCode> {
  constructor() {
    super("setup.expired", "This setup link has expired: setup links work for 30 minutes.");
  }
}

/** A wrong or used setup link, or a setup when users exist already: as if there were no such page. */
export class SetupLinkInvalidError extends AppError<AuthErrorCode> {
  constructor() {
    super("setup.invalid", "This link does not work: it is wrong, or it was used already.");
  }
}

export class PasswordsDifferError extends AppError<AuthErrorCode> {
  constructor() {
    super("setup.passwords_differ", "The two passwords differ.");
  }
}

export const USER_ERROR_CODES = [
  "user.bad_name",
  "user.bad_role",
  "user.taken",
  "user.not_found",
  "user.not_allowed",
  "user.last_super_admin",
  "user.db_changed",
] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export class UserError extends AppError<UserErrorCode> {
  constructor(code: UserErrorCode, message: string) {
    super(code, message);
  }
}

/** The one answer for a user that does not exist, by name where the caller gave one. */
export class UserNotFoundError extends UserError {
  constructor(username: string | null = null) {
    super(
      "user.not_found",
      username === null ? "There is no such user." : `There is no user called ${username}.`,
    );
  }
}
