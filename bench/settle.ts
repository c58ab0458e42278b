import { spawnSync } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";

const CHUNK = 1 << 20;

/**
 * A settled disk, runtime's own API aside (the child runs under Bun and Deno): what earlier
 * measurements left unwritten is written out (`sync`, untimed), so that no contender pays for
 * another's data — a 1 GB `cp` leaves a gigabyte the kernel writes while the next runs — then each
 * of `files` is read once, so that each contender finds the files it reads in the system's cache,
 * as a shop's app finds its database. Without it the same 4 GB `cp` + flush took 1.6 s or 13.1 s
 * in one run, by whether an earlier row had pushed its source out of the cache.
 */
export function settle(...files: string[]): void {
  spawnSync("sync");
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
