import type { SqlValue } from "../../runtime/types.ts";
import { badCursor } from "./errors.ts";

/** Text longer than this is cut on a page (with "…"); a CSV export keeps it whole. */
export const SHOWN_TEXT_LENGTH = 200;

/**
 * A value as a page shows it: as SQLite gives it (a number stays a number, NULL stays null), a
 * blob as `<blob N bytes>`, long text cut unless `whole`. Integers are read as bigint (exact): on
 * a page one within 2^53 is a number, one beyond it its digits (a page crosses JSON, which has no
 * exact big numbers); `whole` (an export, which writes them itself) keeps the bigint.
 */
export function shown(value: SqlValue, whole = false): string | number | bigint | null {
  if (value === null || typeof value === "number") return value;
  if (typeof value === "bigint") {
    if (whole) return value;
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Uint8Array) return `<blob ${value.byteLength} bytes>`;
  if (!whole && value.length > SHOWN_TEXT_LENGTH) return `${value.slice(0, SHOWN_TEXT_LENGTH)}…`;
  return value;
}

/**
 * True when any value's text holds `needle` (already lower case), compared case-insensitively as
 * JavaScript folds case (every alphabet, not only ASCII as SQLite's `lower()`); blobs and NULL
 * hold no text.
 */
export function holdsText(values: SqlValue[], needle: string): boolean {
  for (const value of values) {
    if (value === null || value instanceof Uint8Array) continue;
    if (String(value).toLowerCase().includes(needle)) return true;
  }
  return false;
}

/** A cursor longer than this is not one the engine made (a key is a few values). */
const MAX_CURSOR_LENGTH = 16_384;

type Tagged = null | ["s", string] | ["n", string] | ["i", string] | ["b", string];

/**
 * The position after which a page goes on: the key values of the last row looked at, each with
 * its type (text, number, big integer, blob), as opaque text. Only a key of the table's own
 * values, bound as parameters when it comes back.
 */
export function encodeCursor(key: SqlValue[]): string {
  const tagged: Tagged[] = key.map((value) => {
    if (value === null) return null;
    if (typeof value === "string") return ["s", value];
    if (typeof value === "number") return ["n", String(value)];
    if (typeof value === "bigint") return ["i", value.toString()];
    if (typeof value === "boolean") return ["n", value ? "1" : "0"];
    return ["b", Buffer.from(value).toString("base64")];
  });
  return Buffer.from(JSON.stringify(tagged)).toString("base64url");
}

/** The key `encodeCursor` made, of `length` values; `LookError` (`look.bad_cursor`) for anything else. */
export function decodeCursor(cursor: string, length: number): SqlValue[] {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== length) throw badCursor();
  return parsed.map((item: unknown): SqlValue => {
    if (item === null) return null;
    if (!Array.isArray(item) || item.length !== 2 || typeof item[1] !== "string") throw badCursor();
    const [tag, text] = item as [unknown, string];
    if (tag === "s") return text;
    if (tag === "n" && text !== "" && !Number.isNaN(Number(text))) return Number(text);
    if (tag === "i" && /^-?\d{1,20}$/.test(text)) return BigInt(text);
    if (tag === "b") return new Uint8Array(Buffer.from(text, "base64"));
    throw badCursor();
  });
}

/**
 * The values as one text, the same for values SQLite holds equal by BINARY comparison: an integer
 * alike as bigint or number, a REAL whole number alike as the integer, 0.0 alike as -0.0; text
 * and blobs apart. For telling repeats among incoming values (JSON has no bigint).
 */
export function valuesToken(values: SqlValue[]): string {
  return JSON.stringify(
    values.map((v) => {
      if (v === null) return null;
      if (v instanceof Uint8Array) return ["b", Buffer.from(v).toString("base64")];
      if (typeof v === "string") return ["s", v];
      if (typeof v === "boolean") return ["n", v ? "1" : "0"];
      return ["n", String(v)];
    }),
  );
}
