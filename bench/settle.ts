import { spawnSync } from "node:child_process";
import { closeSync, fdatasyncSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHUNK = 1 << 20;
/** The probe: this many MiB written and flushed. */
const PROBE_MIB = 64;
/** A disk is quiet when a probe takes at most this many times the quickest one seen. */
const QUIET_FACTOR = 2;
/** How long `settle` waits for a quiet disk before it goes on (and says so). */
const QUIET_LIMIT_MS = 60_000;
const PROBE_GAP_MS = 250;
/** The quickest probe of the run, handed to the children the bench starts (they probe too). */
const QUICKEST_ENV = "BENCH_QUICKEST_PROBE_MS";

/** Writes and flushes `PROBE_MIB` MiB to a scratch file: how long it took (ms). */
function probe(): number {
  const path = join(tmpdir(), `business-app-bench-probe-${process.pid}.bin`);
  const chunk = new Uint8Array(CHUNK).fill(0x5a);
  const started = performance.now();
  const fd = openSync(path, "w");
  try {
    for (let i = 0; i < PROBE_MIB; i++) writeSync(fd, chunk);
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

/** The quickest probe seen in this run (ms): three probes the first time (the run starts on a quiet machine). */
export function quickest(): number {
  const known = Number(process.env[QUICKEST_ENV]);
  if (Number.isFinite(known) && known > 0) return known;
  const best = Math.min(probe(), probe(), probe());
  process.env[QUICKEST_ENV] = String(best);
  return best;
}

/**
 * Waits (at most a minute) until the disk takes writes at its quiet speed again: a probe of 64 MiB
 * written and flushed within twice the quickest seen. On this virtual machine `sync` returns while
 * the host still writes out gigabytes, and for seconds afterwards every write is slower — the same
 * 4 GB copy took 1.4 s or 10.4 s in one run by when it came. Returns the ms waited.
 */
export function quietDisk(): number {
  const limit = quickest() * QUIET_FACTOR;
  const started = performance.now();
  for (;;) {
    const took = probe();
    process.env[QUICKEST_ENV] = String(Math.min(Number(process.env[QUICKEST_ENV]), took));
    if (took <= limit) return performance.now() - started;
    if (performance.now() - started > QUIET_LIMIT_MS) {
      console.error(
        `the disk was not quiet within ${QUIET_LIMIT_MS / 1000} s (a probe took ${took.toFixed(0)} ms)`,
      );
      return performance.now() - started;
    }
    pause(PROBE_GAP_MS);
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
