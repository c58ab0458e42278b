import { basename, dirname, join } from "node:path";

/**
 * The one way the app names a temporary file: hidden, beside the file it becomes (or is made
 * for), saying what for and by which process — `.NAME.PURPOSE.PID.tmp`, with a `.UNIQUE` part
 * before `.tmp` when one process may make several at once. A crash leaves nothing else, so one
 * pattern (`isLeftover`) finds every leftover, with the `-journal`, `-wal` and `-shm` SQLite may
 * have made beside it.
 */
export function tempPathFor(path: string, purpose: string, unique?: string | number): string {
  return join(dirname(path), tempNameFor(basename(path), purpose, unique));
}

/** The name alone (`tempPathFor`), for a file named `name` in its folder. */
export function tempNameFor(name: string, purpose: string, unique?: string | number): string {
  return `.${name}.${purpose}.${process.pid}${unique === undefined ? "" : `.${unique}`}.tmp`;
}

/** Every temporary name the app makes, and those of older versions: hidden, ending `.tmp`. */
const LEFTOVER = /^\.(.+)\.tmp(-journal|-wal|-shm)?$/;

/**
 * When `name` is a temporary file the app left (`tempNameFor`, or an older version's form), or
 * one SQLite made beside it: what is between its dot and `.tmp` (the file it was for, first);
 * else null. `of`, when given, says whose leftovers count (in a folder the app shares with
 * others, only its own: for example `(inner) => inner.startsWith("business-app.config.json.")`).
 */
export function leftoverOf(name: string, of?: (inner: string) => boolean): string | null {
  const inner = LEFTOVER.exec(name)?.[1];
  if (inner === undefined) return null;
  return !of || of(inner) ? inner : null;
}
