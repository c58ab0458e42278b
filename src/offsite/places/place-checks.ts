import { describeError } from "../../lib/errors.ts";
import { readContents } from "../copies/copies.ts";
import { type KeyRecord, openPlaceKey } from "../crypto/keys.ts";
import type { PassphraseTry } from "../crypto/passphrase.ts";
import type { PlaceKeys } from "../crypto/place-keys.ts";
import { asOffsiteError, OffsiteError } from "../errors.ts";
import { readText } from "./target.ts";
import { foreignWords, type OffsiteOptions, type Place, placeDeadline, type TargetTest } from "./targets.ts";

/**
 * The checks of places, which change nothing the app relies on: the connection test (each place
 * used as a copy would use it, one test of a place at a time) and what a passphrase opens in each
 * place. Each is bounded as a whole: a test makes a handful of requests, so it takes at most a few
 * times the wait for one answer.
 */

/** A connection test may take this many times the wait for one answer. */
const TEST_REQUESTS = 8;

export class PlaceChecks {
  readonly #keys: PlaceKeys;
  /** The places being tested now (by kind and where). */
  readonly #testing = new Set<string>();

  constructor(keys: PlaceKeys) {
    this.#keys = keys;
  }

  /** Tests `places` (`testPlace`); `offsite.busy` while a test of one of them is going on. */
  async test(places: Place[], options: OffsiteOptions): Promise<TargetTest[]> {
    const ids = places.map((p) => `${p.target.id} ${p.target.where}`);
    if (ids.some((id) => this.#testing.has(id)))
      throw new OffsiteError(
        "offsite.busy",
        "A connection test is going on. Try again when it has finished.",
      );
    for (const id of ids) this.#testing.add(id);
    try {
      return await this.testAnyway(places, options);
    } finally {
      for (const id of ids) this.#testing.delete(id);
    }
  }

  /** The same test of `places`, whether or not another one is going on (places no one saved yet). */
  async testAnyway(places: Place[], options: OffsiteOptions): Promise<TargetTest[]> {
    const limit = placeDeadline(TEST_REQUESTS * options.timeouts.answerMs, "the connection test");
    try {
      return await Promise.all(
        places.map((p) => testPlace(p, options.passphrase, this.#keys.known(p), limit.signal)),
      );
    } finally {
      limit.clear();
    }
  }

  /**
   * What `passphrase` opens in each of `places`, looked at now (within the connection test's
   * wait): the key of the place's encrypted copies, nothing yet (a place that never held
   * encrypted copies), or why not. Changes nothing anywhere.
   */
  async tryPassphrase(places: Place[], passphrase: string, answerMs: number): Promise<PassphraseTry[]> {
    const limit = placeDeadline(TEST_REQUESTS * answerMs, "checking the passphrase");
    try {
      return await Promise.all(
        places.map(async (place): Promise<PassphraseTry> => {
          const label = place.target.label;
          try {
            const key = await openPlaceKey(place.target, passphrase, this.#keys.known(place), limit.signal);
            return { label, outcome: key ? "opens" : "no_key", reason: null };
          } catch (error) {
            const failure = asOffsiteError(error);
            const wrong = failure.code === "offsite.wrong_passphrase" || failure.code === "offsite.damaged";
            return { label, outcome: wrong ? "wrong" : "unreachable", reason: describeError(failure) };
          }
        }),
      );
    } finally {
      limit.clear();
    }
  }
}

/**
 * Tests a place as a copy would use it: lists it (opening its key with the passphrase when there
 * is one), writes a small file (recorded in the ledger first), reads it back, removes it, and
 * counts the copies there. Never throws: a failure is the result, in words that never repeat what the service said.
 */
async function testPlace(
  place: Place,
  passphrase: string | null,
  known: KeyRecord,
  signal: AbortSignal,
): Promise<TargetTest> {
  const { target, ledger } = place;
  const result = { target: target.id, label: target.label, where: target.where };
  const probe = `.business-app-test.${process.pid}.${Date.now()}`;
  const text = "BusinessApp checks that it can write here; this file is removed at once.\n";
  try {
    const key = passphrase === null ? null : await openPlaceKey(target, passphrase, known, signal);
    const contents = await readContents(
      target,
      { key, passphrase: passphrase !== null, record: ledger.record() },
      signal,
    );
    if (contents.encrypted && passphrase === null)
      return {
        ...result,
        ok: false,
        message: "it holds encrypted copies, and no passphrase is set on this PC",
      };
    await ledger.writing(probe);
    await target.write(probe, text, signal);
    const back = await readText(await target.read(probe, signal), 1024);
    await target.remove(probe, signal);
    await ledger.written(probe);
    if (back !== text) throw new OffsiteError("offsite.damaged", "a test file read back differently");
    const n = contents.copies.length + contents.unproven.length;
    const foreign = contents.foreign.length > 0 ? `; ${foreignWords(contents.foreign.length)}` : "";
    return { ...result, ok: true, message: `works: ${n === 1 ? "1 copy" : `${n} copies`} there${foreign}` };
  } catch (error) {
    return { ...result, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
