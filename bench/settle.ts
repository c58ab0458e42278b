import { spawnSync } from "node:child_process";
import { closeSync, fdatasyncSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHUNK = 1 << 20;
/** The probes: this many MiB written and flushed, the small one first, the large one to confirm. */
const PROBES_MIB = [64, 256] as const;
/** A disk is quiet when each probe takes at most this many times the quickest of its size at the start. */
const QUIET_FACTOR = 2;
/** How long `settle` waits for a quiet disk before it goes on (and says so). */
const QUIET_LIMIT_MS = 90_000;
/**
 * The pause between two small probes, and after a large one that found the disk still busy: long
 * enough that the probes' own writes (256 MiB each) keep no host busy that is catching up.
 */
const PROBE_GAP_MS = 250;
const CONFIRM_GAP_MS = 10_000;
/** The quickest probe of each size in the run, handed to the children the bench starts (they probe too). */
const quickestEnv = (mib: number) => `BENCH_QUICKEST_PROBE_${mib}_MS`;

/** Writes and flushes `mib` MiB to a scratch file: how long it took (ms). */
function probe(mib: number): number {
  const path = join(tmpdir(), `business-app-bench-probe-${process.pid}.bin`);
  const chunk = new Uint8Array(CHUNK).fill(0x5a);
  const started = performance.now();
  const fd = openSync(path, "w");
  try {
    for (let i = 0; i < mib; i++) writeSync(fd, chunk);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  return performance.now() - started;
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The quickest of three probes of `mib` MiB at the run's start (ms; the run starts on a quiet
 * machine), handed to the children it starts.
 */
export function quickest(mib: (typeof PROBES_MIB)[number] = 64): number {
  const known = Number(process.env[quickestEnv(mib)]);
  if (Number.isFinite(known) && known > 0) return known;
  const best = Math.min(probe(mib), probe(mib), probe(mib));
  process.env[quickestEnv(mib)] = String(best);
  return best;
}

/**
 * Probes `mib` MiB: whether it took at most `QUIET_FACTOR` times the quickest of the run's start.
 * That stays the measure: lowered by a lucky probe later, it made every wait after it longer (a
 * probe of 83 ms found too slow for a minute and a half).
 */
function quietAt(mib: (typeof PROBES_MIB)[number]): { quiet: boolean; took: number } {
  const limit = quickest(mib) * QUIET_FACTOR;
  const took = probe(mib);
  return { quiet: took <= limit, took };
}

/**
 * Waits (at most 90 s) until the disk takes writes at its quiet speed again: a probe of 64 MiB
 * written and flushed within twice the quickest at the start, then one of 256 MiB likewise. On
 * this virtual machine `sync` returns while the host still writes out gigabytes, and for a minute or more
 * afterwards every large write is slower — the same 4 GB copy took 1.4 s or 10.4 s in one run by
 * when it came. The small probe alone missed that: right after 12 GB written it was quiet at once
 * while 512 MiB still took four times as long as on a quiet disk (1.2 s against 0.32 s) for 80 s,
 * and a 4 GB copy then took 11.6 s. Returns the ms waited.
 */
export function quietDisk(): number {
  const started = performance.now();
  const [small, large] = PROBES_MIB;
  for (;;) {
    const first = quietAt(small);
    const second = first.quiet ? quietAt(large) : first;
    if (second.quiet) return performance.now() - started;
    if (performance.now() - started > QUIET_LIMIT_MS) {
      console.error(
        `the disk was not quiet within ${QUIET_LIMIT_MS / 1000} s (a probe of ${first.quiet ? large : small} MiB took ${second.took.toFixed(0)} ms)`,
      );
      return performance.now() - started;
    }
    pause(first.quiet ? CONFIRM_GAP_MS : PROBE_GAP_MS);
  }
}

/**
 * A settled disk, runtime's own API aside (the child runs under Bun and Deno): what earlier
 * measurements left unwritten is written out (`sync`, untimed), so that no contender pays for
 * another's data — a 1 GB `cp` leaves a gigabyte the kernel writes while the next runs — and the
 * disk is quiet again (`quietDisk`); then each of `files` is read once, so that each contender
 * finds the files it reads in the system's cache, as a shop's app finds its database. Without it
 * the same 4 GB `cp` + flush took 1.6 s or 13.1 s in one run, by whether an earlier row had pushed
 * its source out of the cache.
 */
export function settle(...files: string[]): void {
  spawnSync("sync");
  quietDisk();
  const buffer = new Uint8Array(CHUNK);
  for (const file of files) {
    const fd = openSync(file, "r");
    try {
      while (readSync(fd, buffer, 0, CHUNK, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}
