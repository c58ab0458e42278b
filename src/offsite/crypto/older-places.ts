import { OffsiteError } from "../errors.ts";
import type { OffsiteTarget } from "../places/target.ts";
import { openWithPassphrase } from "./age.ts";
import { splitAgeFile, stanzaKinds } from "./age-header.ts";

/**
 * Places written by an older version: each copy encrypted with the passphrase itself (one `scrypt`
 * stanza, no key file). Such a place gets a key file at its next run and new copies go to that
 * key; the old copies stay as they are, opened with the passphrase (by this app and by
 * `age -d`). A place where any copy is to a key (`X25519`) while the key file is gone is not one:
 * its copies need that very key, and a new one would not open them.
 */

/** The stanza kinds of copy `name`'s header, read up to its end (the rest is never downloaded). */
async function headerOf(target: OffsiteTarget, name: string, signal?: AbortSignal) {
  const { header, payload } = await splitAgeFile(await target.read(name, signal));
  await payload.cancel().catch(() => {});
  return header;
}

/**
 * True when every copy in `names` (the place's encrypted copies, at least one) is of the older
 * format and the passphrase opens them (the newest one is tried: one scrypt, about a second);
 * false when any is not. Throws `OffsiteError` `offsite.wrong_passphrase` when the passphrase does
 * not open them (a key made with another would split the place in two), `offsite.damaged` when a
 * copy is not an age file.
 */
export async function holdsOnlyOlderCopies(
  target: OffsiteTarget,
  names: string[],
  passphrase: string,
  signal?: AbortSignal,
): Promise<boolean> {
  if (names.length === 0) return false;
  const newest = [...names].sort().at(-1) as string;
  let newestHeader: Uint8Array | null = null;
  for (const name of names) {
    // Not an age file: not an older version's copy. The storage failing is the run's failure.
    const header = await headerOf(target, name, signal).catch((error) => {
      if (error instanceof OffsiteError) throw error;
      return null;
    });
    const kinds = header ? stanzaKinds(header) : [];
    if (!header || kinds.length !== 1 || kinds[0] !== "scrypt") return false;
    if (name === newest) newestHeader = header;
  }
  await openWithPassphrase(newestHeader as Uint8Array, passphrase, `${newest} in ${target.label}`);
  return true;
}
