import { timingSafeEqual } from "node:crypto";
import { sha256Hex } from "./hash.ts";

/** 32 random bytes as URL-safe text: session tokens, CSRF tokens, setup and recovery links. */
export function newToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** SHA-256 of a token: what is stored, so a copy of the database holds no usable session. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

/** Compares two secrets in constant time. */
export function sameSecret(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
