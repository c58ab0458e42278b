import type { SqlValue } from "../../runtime/types.ts";
import { badInput } from "../http-errors.ts";

/**
 * A row's primary key as a check box sends it back: its values with their types (text, number,
 * big integer, blob), as JSON. Exact both ways: an integer read as bigint goes as its digits and
 * comes back a bigint (a number would round it beyond 2^53, or turn it into text); a REAL as the
 * shortest digits that read back as the same double (an infinity as a word, as JSON has none).
 * Only values come back from a token, bound as parameters by the engine; anything else is a 400.
 */
type Tagged = null | ["s", string] | ["n", number | string] | ["i", string] | ["b", string];

/** SQLite's integers: 64 bits, signed. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INFINITIES = new Map([
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
]);

/** The most characters one key's token may have (a key is a few values). */
const MAX_TOKEN_LENGTH = 4096;

export function encodeRowKey(key: unknown[]): string {
  const tagged: Tagged[] = key.map((value) => {
    if (value === null || value === undefined) return null;
    if (typeof value === "number") return ["n", Number.isFinite(value) ? value : String(value)];
    if (typeof value === "bigint") return ["i", value.toString()];
    if (value instanceof Uint8Array) return ["b", Buffer.from(value).toString("base64")];
    return ["s", String(value)];
  });
  return JSON.stringify(tagged);
}

const refused = () => badInput("A chosen row's key could not be read. Reload the page and choose again.");

export function decodeRowKey(token: string): SqlValue[] {
  if (token.length > MAX_TOKEN_LENGTH) throw refused();
  let parsed: unknown;
  try {
    parsed = JSON.parse(token);
  } catch {
    throw refused();
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw refused();
  return parsed.map((item: unknown): SqlValue => {
    if (item === null) return null;
    if (!Array.isArray(item) || item.length !== 2) throw refused();
    const [tag, value] = item as [unknown, unknown];
    if (tag === "n" && typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value !== "string") throw refused();
    if (tag === "s") return value;
    if (tag === "n" && INFINITIES.has(value)) return INFINITIES.get(value) as number;
    if (tag === "i" && /^-?\d{1,19}$/.test(value)) {
      const integer = BigInt(value);
      if (integer >= INT64_MIN && integer <= INT64_MAX) return integer;
    }
    if (tag === "b") return new Uint8Array(Buffer.from(value, "base64"));
    throw refused();
  });
}
