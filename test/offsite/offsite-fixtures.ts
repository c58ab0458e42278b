import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { DatabaseHandle } from "../../src/db/handle.ts";
import type { Timers } from "../../src/lib/timers.ts";
import { makeSetup, manualClock } from "../backup/fixtures.ts";
import { fakeTimers } from "../scheduler/fake-timers.ts";

/** Adds about `megabytes` of rows with random blobs (incompressible) to `items`. */
export function addMegabytes(db: DatabaseHandle, megabytes: number): void {
  db.sqlite.run(
    `INSERT INTO items (name, payload) SELECT 'bulk ' || n, randomblob(65536)
     FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${megabytes * 16}) SELECT n FROM c)`,
  );
}

export const sha256Of = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/**
 * A data folder with the app built on it (`makeSetup`) and off-site copies set up by `env`, on a
 * clock that moves only when told and retry timers the test fires.
 */
export function offsiteSetup(env: Record<string, string>, options: { timers?: boolean } = {}) {
  const clock = manualClock(new Date(2025, 8, 22, 14, 0, 0));
  const timers = options.timers ? fakeTimers(clock) : null;
  const setup = makeSetup({ env, clock, ...(timers ? { offsiteTimers: timers as Timers } : {}) });
  return { ...setup, clock, timers, offsite: setup.app.offsite };
}
