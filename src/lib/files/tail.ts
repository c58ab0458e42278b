import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** The last `count` lines of a text file, reading at most its last `maxBytes`; [] if it is missing. */
export function readLastLines(path: string, count: number, maxBytes = 64 * 1024): string[] {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString("utf8").split("\n").filter(Boolean);
    // The first line may be cut when the file is longer than maxBytes.
    if (size > maxBytes) lines.shift();
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}
