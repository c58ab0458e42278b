import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { escapeControlCharacters } from "./text.ts";
import { type Clock, formatLogTime, systemClock } from "./time.ts";

export type LogLevel = "INFO" | "WARNING" | "ERROR";

export interface Log {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  readonly path: string;
}

export interface LogOptions {
  /** The log file, created owner-read/write only. */
  path: string;
  clock?: Clock;
  /** Rotate when the file would grow past this many bytes. */
  maxBytes?: number;
  /** How many rotated files (`.1` newest … `.N` oldest) to keep. */
  keep?: number;
  /** Where each line is echoed; `null` for nowhere. */
  echo?: ((level: LogLevel, line: string) => void) | null;
}

export const DEFAULT_LOG_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_LOG_KEEP = 3;

/** `2025-09-22 14:30:00 - INFO - message`: the one line format of the log. */
export function formatLogLine(level: LogLevel, message: string, at: Date): string {
  // One event, one line: a message never breaks the format with its own line breaks, and text
  // that came from outside (a file name, a description) cannot fake a line or a terminal effect.
  const flat = escapeControlCharacters(message.replace(/\r?\n/g, " | "));
  return `${formatLogTime(at)} - ${level} - ${flat}`;
}

function echoToConsole(level: LogLevel, line: string): void {
  if (level === "INFO") process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
}

/**
 * An append-only, line-per-event log with size-based rotation. Several processes may append
 * to the same file (each line is one `O_APPEND` write). A failure to write the log never
 * stops the operation that is being logged: the line still reaches the console.
 */
export function createLog(options: LogOptions): Log {
  const { path } = options;
  const clock = options.clock ?? systemClock;
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  const keep = options.keep ?? DEFAULT_LOG_KEEP;
  const echo = options.echo === undefined ? echoToConsole : options.echo;

  function rotateIfNeeded(incoming: number): void {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      return;
    }
    if (size === 0 || size + incoming <= maxBytes) return;
    rmSync(`${path}.${keep}`, { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      if (existsSync(`${path}.${n}`)) renameSync(`${path}.${n}`, `${path}.${n + 1}`);
    }
    if (keep >= 1) renameSync(path, `${path}.1`);
    else rmSync(path, { force: true });
  }

  function write(level: LogLevel, message: string): void {
    const line = formatLogLine(level, message, clock());
    echo?.(level, line);
    const bytes = Buffer.byteLength(line) + 1;
    try {
      mkdirSync(dirname(path), { recursive: true });
      try {
        rotateIfNeeded(bytes);
      } catch {
        // Another program holds the log open (Windows refuses the rename): the line still goes into
        // the file, which grows past its limit until a later line rotates it.
      }
      appendFileSync(path, `${line}\n`, { mode: 0o600 });
    } catch (error) {
      process.stderr.write(`(could not write ${path}: ${(error as Error).message})\n`);
    }
  }

  return {
    path,
    info: (message) => write("INFO", message),
    warning: (message) => write("WARNING", message),
    error: (message) => write("ERROR", message),
  };
}
