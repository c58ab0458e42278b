import { LookError } from "../browse/errors.ts";
import { DatabaseDamagedError, DiskFullError, SnapshotFailedError } from "../errors.ts";

/**
 * An error as it crosses the worker boundary: a structured clone keeps plain data but no class,
 * so the class travels as a name and the error's own fields as values.
 */
export interface ErrorPayload {
  /** The key of its class in `CROSSING`, or null for any other error. */
  type: string | null;
  name: string;
  message: string;
  stack?: string;
  /** Its own enumerable fields that are plain values: `code`, and e.g. `errno` or `path`. */
  fields: Record<string, string | number | bigint | boolean | null>;
}

/**
 * The typed errors the worker's tasks may raise, which arrive as the same class. Keyed by
 * literal names: the compiled executable minifies class names, and its two bundles (program and
 * worker) need not agree on them.
 */
const CROSSING: Record<string, abstract new (...args: never[]) => Error> = {
  DatabaseDamagedError,
  DiskFullError,
  SnapshotFailedError,
  LookError,
};

/** `error` as data that `postMessage` can carry and `decodeError` rebuilds. */
export function encodeError(error: unknown): ErrorPayload {
  if (!(error instanceof Error)) return { type: null, name: "Error", message: String(error), fields: {} };
  const fields: ErrorPayload["fields"] = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ["string", "number", "bigint", "boolean"].includes(typeof value))
      fields[key] = value as ErrorPayload["fields"][string];
  }
  const type = Object.keys(CROSSING).find((key) => CROSSING[key] === error.constructor) ?? null;
  return { type, name: error.name, message: error.message, stack: error.stack, fields };
}

/**
 * The error `encodeError` described: an instance of the same class when it is one of the
 * classes that can cross (built without running its constructor, whose arguments are gone),
 * a plain `Error` otherwise; either way with its name, message, code and other fields.
 */
export function decodeError(payload: ErrorPayload): Error {
  const type = payload.type === null ? undefined : CROSSING[payload.type];
  const error = type ? (Object.create(type.prototype) as Error) : new Error();
  Object.defineProperty(error, "message", { value: payload.message, writable: true, configurable: true });
  // An AppError's name is one of its own fields; SQLite's and Node's errors keep theirs apart.
  if (!("name" in payload.fields))
    Object.defineProperty(error, "name", { value: payload.name, writable: true, configurable: true });
  if (payload.stack !== undefined)
    Object.defineProperty(error, "stack", { value: payload.stack, writable: true, configurable: true });
  return Object.assign(error, payload.fields);
}
