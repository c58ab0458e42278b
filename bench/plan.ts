import { statfsSync } from "node:fs";
import type { BenchRuntime } from "./runtimes.ts";
import type { Row } from "./table.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** What every measurement is given: one database, a scratch folder of its own, the runs to make. */
export interface Measured {
  /** The shop's database of this size, in a data folder of its own; "" for a measurement run once. */
  database: string;
  /** A folder for this measurement alone, removed after it. */
  work: string;
  runs: number;
  /** The database's size as the rows name it ("1007 MB"); "" for a measurement run once. */
  label: string;
  /** Bun (the executable) and Deno; empty when no measurement chosen needs the executable. */
  runtimes: BenchRuntime[];
  /** The built executable, or "" (see runtimes). */
  exe: string;
}

/** One measurement of `npm run bench`, as run.ts lists them. */
export interface Measurement {
  run: (m: Measured) => Promise<Row[]>;
  /**
   * The most disk it fills at once beside the database, in sizes of the database (its backups,
   * restores, copies, the contenders' outputs; generous). Absent: run once, not per size.
   */
  room?: number;
  /** It starts the app or the engine under both runtimes: the executable is built first. */
  exe?: boolean;
  /** Programs it runs or compares with, each with how to install it. */
  tools?: [string, string][];
  /**
   * Runs from `LARGE_MB` on, when not `LARGE_RUNS`: a row judged on its worst moment (the longest
   * pause) needs a median of three, since a median of two is their mean.
   */
  largeRuns?: number;
}

/** From this size on, each measurement is run at most LARGE_RUNS times: one run of them takes minutes. */
export const LARGE_MB = 2048;
export const LARGE_RUNS = 2;

export function runsAt(megabytes: number, runs: number, largeRuns = LARGE_RUNS): number {
  return megabytes >= LARGE_MB ? Math.min(runs, largeRuns) : runs;
}

/**
 * What a size needs free: the database and the most the measurements fill at once (each removes
 * what it made before the next starts), plus 1 GiB to spare; and the words that say so.
 */
export function roomNeeded(megabytes: number, measurements: [string, Measurement][]) {
  const [name, most] = measurements.reduce((a, b) => ((b[1].room ?? 0) > (a[1].room ?? 0) ? b : a));
  const copies = most.room ?? 0;
  const bytes = megabytes * MiB * (1 + copies) + GiB;
  return { bytes, why: `the database, up to ${copies} copies of it at once (${name}) and 1 GB to spare` };
}

export function freeBytes(folder: string): number {
  const fs = statfsSync(folder);
  return fs.bavail * fs.bsize;
}

export const gigabytes = (bytes: number) => `${(bytes / GiB).toFixed(1)} GB`;
