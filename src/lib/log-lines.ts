import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { LogLevel } from "./log.ts";

/** One line of the log as a reader sees it: its level, and its text with one-time link tokens hidden. */
export interface LogLine {
  level: LogLevel | null;
  text: string;
}

/** The most of the log a reader is shown (the file is rotated at 5 MiB). */
const MAX_READ_BYTES = 6 * 1024 * 1024;
const LEVEL = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} - (INFO|WARNING|ERROR) - /;

/**
 * The setup and recovery links in the log are secrets until used; whoever reads the log (a page,
 * a download) sees them without their token: `…/recovery?token=…`.
 */
export function hideLinkTokens(line: string): string {
  return line.replace(/token=[A-Za-z0-9_-]+/g, "token=…");
}

/** The log's text with the tokens hidden, or "" when there is none yet. */
export function readLogText(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return "";
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, MAX_READ_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString("utf8");
    // Read from the middle of a line when the file grew past the limit: start at the next whole one.
    const whole = size > length ? text.slice(text.indexOf("\n") + 1) : text;
    return whole.split("\n").map(hideLinkTokens).join("\n");
  } finally {
    closeSync(fd);
  }
}

/** The log's newest lines first, at most `limit`, only WARNING and ERROR with `problemsOnly`; and how many matched. */
export function readLogLines(
  path: string,
  options: { problemsOnly: boolean; limit: number },
): { lines: LogLine[]; matched: number } {
  const all = readLogText(path)
    .split("\n")
    .filter(Boolean)
    .map((text): LogLine => ({ level: (LEVEL.exec(text)?.[1] as LogLevel | undefined) ?? null, text }));
  const matching = options.problemsOnly
    ? all.filter((l) => l.level === "WARNING" || l.level === "ERROR")
    : all;
  return { lines: matching.slice(-options.limit).reverse(), matched: matching.length };
}
