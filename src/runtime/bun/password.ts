import type { Argon2Params } from "../types.ts";

/** An argon2id hash in the PHC string format (`$argon2id$v=19$m=…,t=…,p=1$salt$hash`). */
export function hashArgon2id(password: string, params: Argon2Params): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id", ...params });
}

/**
 * Whether `password` matches a PHC-format hash, with the parameters stored in the hash.
 * Rejects when `hash` is not such a hash.
 */
export function verifyArgon2(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash);
}
