import { spawn } from "node:child_process";
import { ownCommand } from "#runtime/process.ts";
import { INSPECT_PROCESS_ARG } from "../../worker-urls.ts";
import type { CheckResult } from "./checks.ts";
import { CHECK_ONLY_ARG } from "./inspect-process.ts";
import { decodeError } from "./worker-errors.ts";
import type { InspectResult, WorkerReply } from "./worker-protocol.ts";

/** The most of an answer read from a check's process: a reply is a few kilobytes. */
const MAX_REPLY_BYTES = 1024 * 1024;

/** How to stop each check's process running now. */
const running = new Set<(error: Error) => void>();

/**
 * `inspectFile` of `path` in a process of its own: the program run again with
 * `INSPECT_PROCESS_ARG`. For background work that must make way: SQLite's `integrity_check`
 * cannot be interrupted, so a check in a worker thread that is given up reads on to its end,
 * competing for the disk and a core with the operation it made way for — for seconds on a large
 * file. A process is killed at once: an abort of `signal` ends it and rejects with the signal's
 * reason (the check only reads the file, so nothing is left half done). Rejects, too, when the
 * process ends without an answer.
 */
export function inspectFileInProcess(path: string, signal: AbortSignal): Promise<InspectResult> {
  return inProcess([path], signal) as Promise<InspectResult>;
}

/**
 * `checkRestorable` of `path` in a process of its own, as `inspectFileInProcess` (nothing else:
 * no hash, no rows), through a map of the file: for files nobody writes any more (a chain's
 * base), where a file cut short under the map would end only that process.
 */
export function checkFileInProcess(path: string, signal: AbortSignal): Promise<CheckResult> {
  return inProcess([path, CHECK_ONLY_ARG], signal) as Promise<CheckResult>;
}

function inProcess(what: string[], signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const [command = "", ...args] = ownCommand([INSPECT_PROCESS_ARG, ...what]);
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      running.delete(stop);
      signal.removeEventListener("abort", onAbort);
      settle();
    };
    const stop = (error: Error) => {
      child.kill("SIGKILL");
      finish(() => reject(error));
    };
    const onAbort = () => stop(signal.reason);
    running.add(stop);
    signal.addEventListener("abort", onAbort, { once: true });
    const out = boundedText(child.stdout, () => stop(new Error("the check's process answered too much")));
    const err = boundedText(child.stderr, () => {});
    child.on("error", (error) =>
      finish(() => reject(new Error(`the check's process did not start: ${error.message}`))),
    );
    child.on("close", (code, killedBy) => {
      const reply = parseReply(out.text());
      if (reply) finish(() => (reply.ok ? resolve(reply.result) : reject(decodeError(reply.error))));
      else {
        const why =
          err.text().trim().split("\n").at(-1) || (killedBy ? `killed by ${killedBy}` : `exit code ${code}`);
        finish(() => reject(new Error(`the check's process ended without an answer (${why})`)));
      }
    });
  });
}

/** Ends every check's process running now: each rejects with `error` at once (the app closes). */
export function stopCheckProcesses(error: Error): void {
  for (const stop of [...running]) stop(error);
}

/** What a stream says, up to `MAX_REPLY_BYTES`; past that, `over` is called once and the rest dropped. */
function boundedText(stream: NodeJS.ReadableStream, over: () => void): { text: () => string } {
  const chunks: Buffer[] = [];
  let bytes = 0;
  stream.on("data", (chunk: Buffer) => {
    if (bytes > MAX_REPLY_BYTES) return;
    bytes += chunk.length;
    if (bytes > MAX_REPLY_BYTES) over();
    else chunks.push(chunk);
  });
  return { text: () => Buffer.concat(chunks).toString("utf8") };
}

/** The reply on the process's last line, or null when there is none whole. */
function parseReply(text: string): Exclude<WorkerReply, { note: unknown }> | null {
  const line = text.trim().split("\n").at(-1);
  if (!line) return null;
  try {
    const reply = JSON.parse(line) as unknown;
    return typeof reply === "object" && reply !== null && "ok" in reply
      ? (reply as Exclude<WorkerReply, { note: unknown }>)
      : null;
  } catch {
    return null;
  }
}
