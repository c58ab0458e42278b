import { hashArgon2id, verifyArgon2 } from "#runtime/password.ts";
import { AppError } from "../lib/errors.ts";
import type { Argon2Params } from "../runtime/types.ts";
import type { AuthErrorCode } from "./errors.ts";

/**
 * argon2id with explicit parameters (OWASP's minimum: 19 MiB of memory, 2 iterations), so a
 * change of library defaults never weakens stored hashes. The parameters are stored inside each
 * hash, so hashes made with other parameters still verify.
 */
export const ARGON2_PARAMS: Argon2Params = { memoryCost: 19_456, timeCost: 2 };

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

export class WeakPasswordError extends AppError<AuthErrorCode> {
  constructor(message: string) {
    super("auth.weak_password", message);
  }
}

/** Refuses passwords too short to resist guessing, or too long to hash cheaply. */
export function checkPasswordRules(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    throw new WeakPasswordError(`The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (length > MAX_PASSWORD_LENGTH) {
    throw new WeakPasswordError(`The password must have at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
}

export function hashPassword(password: string): Promise<string> {
  checkPasswordRules(password);
  return hashArgon2id(password, ARGON2_PARAMS);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await verifyArgon2(password, hash);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so both cases take the same time. */
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashArgon2id("not a real password, only for timing", ARGON2_PARAMS);
  return dummyHash;
}
