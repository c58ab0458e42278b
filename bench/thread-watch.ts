/**
 * A thread of the off-site child that watches its main thread (Linux): every 5 ms the main
 * thread's state, the kernel function it sleeps in (`wchan`) and, where readable (root), the top
 * of its kernel stack, kept for the last 4 s. Asked for a while (`{ from, to }`, ms since the
 * epoch, and an `id` it echoes), it answers how often each of these was seen then: what a thread
 * that neither ran nor waited for a CPU was blocked in. Nothing where `/proc` does not tell.
 */
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";

const { pid } = workerData as { pid: number };
// The main thread's id is the process's.
const task = `/proc/${pid}/task/${pid}/`;
const KEEP_MS = 4000;
const seen: { at: number; what: string }[] = [];

function read(file: string): string {
  try {
    return readFileSync(task + file, "utf8");
  } catch {
    return "";
  }
}

function sample(): void {
  const stat = read("stat");
  // The first field after the name in parentheses (which may hold spaces).
  const state = stat.charAt(stat.lastIndexOf(")") + 2) || "?";
  const top =
    state === "R"
      ? ""
      : read("stack")
          .split("\n")
          .slice(0, 4)
          .map((line) => line.replace(/^\[<[0-9a-f]+>\] /, "").replace(/\+0x.*$/, ""))
          .filter(Boolean)
          .join(" < ");
  const at = Date.now();
  seen.push({ at, what: [state, read("wchan") || "-", top].filter(Boolean).join(" ") });
  while (seen.length > 0 && (seen[0] as { at: number }).at < at - KEEP_MS) seen.shift();
}

setInterval(sample, 5);
parentPort?.on("message", (message: { id: number; from: number; to: number }) => {
  const counts: Record<string, number> = {};
  for (const { at, what } of seen)
    if (at >= message.from && at <= message.to) counts[what] = (counts[what] ?? 0) + 1;
  parentPort?.postMessage({ id: message.id, counts });
});
