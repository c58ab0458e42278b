import { formatBytes } from "../lib/format.ts";
import { realTimers, type Timers } from "../lib/timers.ts";

/** What a long command has done so far: `done` of `total` bytes, or a step in words. */
export interface Progress {
  label: string;
  done: number;
  total: number;
}

/** Where a progress line goes: a terminal's standard error, redrawn in place. */
export interface ProgressSink {
  /** True for a terminal; a pipe or a file gets no progress line. */
  isTTY: boolean;
  write(text: string): void;
}

const SHOW_AFTER_MS = 1000;
const EVERY_MS = 250;

/** `backup: 45% of 1.0 GB, 120 MB/s, 5 s left`, the rate and time left once they can be told. */
export function describeProgress(progress: Progress, elapsedMs: number): string {
  const { label, done, total } = progress;
  if (total <= 0) return label;
  const share = Math.min(100, Math.floor((done / total) * 100));
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const parts = [`${label}: ${share}% of ${formatBytes(total)}`];
  if (rate > 0 && done < total) {
    parts.push(`${formatBytes(rate)}/s`, `${Math.ceil((total - done) / rate)} s left`);
  }
  return parts.join(", ");
}

/**
 * Shows `read()`'s progress as one line on a terminal, redrawn every quarter second, once the work
 * has taken over a second (a quick command stays quiet); nothing at all for a pipe or with `quiet`
 * (`--json`). `stop()` clears the line, so the command's own answer starts on a clean one.
 */
export function showProgress(
  sink: ProgressSink,
  read: () => Progress | null,
  options: { quiet?: boolean; now?: () => number; timers?: Timers } = {},
): { stop(): void } {
  if (!sink.isTTY || options.quiet) return { stop() {} };
  const now = options.now ?? (() => performance.now());
  const timers = options.timers ?? realTimers;
  const started = now();
  let shown = false;
  let stopped = false;
  let handle: unknown = null;
  const tick = () => {
    if (stopped) return;
    const elapsed = now() - started;
    const progress = read();
    if (elapsed >= SHOW_AFTER_MS && progress) {
      sink.write(`\r\u001b[K${describeProgress(progress, elapsed)}`);
      shown = true;
    }
    handle = timers.set(tick, EVERY_MS);
  };
  handle = timers.set(tick, EVERY_MS);
  return {
    stop() {
      stopped = true;
      timers.clear(handle);
      if (shown) sink.write("\r\u001b[K");
    },
  };
}
