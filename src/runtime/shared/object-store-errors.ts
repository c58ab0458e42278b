import type { ObjectStoreFailure, ObjectStoreProblem } from "../types.ts";

const CREDENTIALS = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "AuthorizationHeaderMalformed",
  "MissingSecurityHeader",
  "AllAccessDisabled",
  "Forbidden",
]);
const UNREACHABLE = new Set([
  "ConnectionRefused",
  "ConnectionClosed",
  "DNSResolveFailed",
  "Timeout",
  "NetworkError",
]);

/** What a person can do about a service's error code (S3's own, or a client's name for a network failure). */
function problemOf(code: string | null): ObjectStoreProblem {
  if (code === null) return "other";
  if (CREDENTIALS.has(code)) return "credentials";
  if (code === "NoSuchBucket") return "bucket";
  if (code === "NoSuchKey" || code === "NotFound") return "not_found";
  if (UNREACHABLE.has(code) || /^E(CONN|TIMED|HOSTUN|NETUN|AI_)|Unable ?To ?Connect/i.test(code))
    return "unreachable";
  return "other";
}

/** An `ObjectStoreFailure` for `code` (null when there is none), keeping `cause`. */
export function objectStoreFailure(
  message: string,
  code: string | null,
  cause?: unknown,
): ObjectStoreFailure {
  const failure = new Error(message, { cause }) as ObjectStoreFailure;
  failure.problem = problemOf(code);
  failure.serviceCode = code;
  return failure;
}
