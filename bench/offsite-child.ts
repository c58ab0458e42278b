/**
 * Run by the off-site benchmark under Bun and under Deno alike (no runtime's own API here): one
 * off-site run of the app on data folder DIR, with its settings as a JSON object of environment
 * variables, after its places' keys were made or opened (as when the service starts); prints the
 * time, the resident memory at idle and at the peak, the longest pause of the thread meanwhile
 * (how long of it the thread ran, waited for a CPU and the host took each CPU, how many of its
 * page faults read the disk, and what a thread watching it saw: `thread-watch.ts`), the time the
 * keys took and the cipher, as one line of JSON.
 *   bun bench/offsite-child.ts DIR '{"BUSINESS_APP_OFFSITE_MIRROR_DIR": "/mnt/usb"}'
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import { chacha20poly1305 } from "#runtime/aead.ts";
import { benchApp } from "./app.ts";
import { idleAndPeak } from "./rss.ts";

const [dir, envJson] = process.argv.slice(2) as [string, string];
const CPUS = cpus().length;

/**
 * How long this thread has run and has waited, runnable, for a CPU (`/proc/thread-self/schedstat`),
 * how long the host has run other work on each of the machine's CPUs on average (steal,
 * `/proc/stat`, in ticks of 10 ms), in ms since the machine started, and how many of the thread's
 * page faults had to read the disk (`/proc/thread-self/stat`: a page of the runtime's own code the
 * system had dropped from memory is read again where it is next run); null where the system does
 * not tell.
 */
function cpuWaits(): { running: number; waiting: number; stolen: number; diskFaults: number } | null {
  try {
    const [running, waiting] = readFileSync("/proc/thread-self/schedstat", "utf8")
      .split(" ")
      .map((ns) => Number(ns) / 1e6);
    const total = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]?.trim().split(/\s+/) ?? [];
    const stolen = (Number(total[8]) * 10) / CPUS;
    // The fields after the name in parentheses (which may hold spaces): the 10th is `majflt`.
    const own = readFileSync("/proc/thread-self/stat", "utf8");
    const diskFaults = Number(own.slice(own.lastIndexOf(")") + 2).split(" ")[9]);
    if (running === undefined || waiting === undefined) return null;
    const all = { running, waiting, stolen, diskFaults };
    return Object.values(all).every(Number.isFinite) ? all : null;
  } catch {
    return null;
  }
}
const { offsite } = benchApp(dir, { connection: "none", env: JSON.parse(envJson) });
const keyStarted = performance.now();
// What the first run after the start does once for the process: a new place's key is made here.
for (const id of offsite.placeIds()) await offsite.forWriting(id, new AbortController().signal);
const keyMs = performance.now() - keyStarted;
let copied = 0;
// The longest the thread was kept from other work (a timer due every 5 ms, late by this much), and
// what the system says of that while (Linux): how long the thread ran (the app's own work, its
// garbage collection), how long it waited, runnable, for a CPU, and how long the host ran other
// work on the machine's CPUs (steal, per CPU).
let longestPause = 0;
let pauseRunning: number | null = null;
let pauseWaiting: number | null = null;
let pauseStolen: number | null = null;
let pauseDiskFaults: number | null = null;
// What the main thread was seen in during its longest pause over WATCH_MS (`thread-watch.ts`).
const WATCH_MS = 50;
let pauseStates: Record<string, number> | null = null;
let asked = 0;
let answered = 0;
const watcher = new Worker(new URL("./thread-watch.ts", import.meta.url), {
  workerData: { pid: process.pid },
});
watcher.on("message", (reply: { id: number; counts: Record<string, number> }) => {
  if (reply.id !== asked) return;
  pauseStates = reply.counts;
  answered = reply.id;
});
const measured = await idleAndPeak(async () => {
  let last = performance.now();
  let before = cpuWaits();
  const ticker = setInterval(() => {
    const now = performance.now();
    const waits = cpuWaits();
    if (now - last - 5 > longestPause) {
      longestPause = now - last - 5;
      pauseRunning = waits && before ? waits.running - before.running : null;
      pauseWaiting = waits && before ? waits.waiting - before.waiting : null;
      pauseStolen = waits && before ? waits.stolen - before.stolen : null;
      pauseDiskFaults = waits && before ? waits.diskFaults - before.diskFaults : null;
      if (longestPause > WATCH_MS)
        watcher.postMessage({ id: ++asked, from: Date.now() - (now - last), to: Date.now() });
    }
    last = now;
    before = waits;
  }, 5);
  try {
    for (const { target, report, error } of await offsite.syncNow()) {
      if (error || !report) throw new Error(`${target.label}: ${error?.message ?? "stopped"}`);
      copied += report.copied.length;
    }
  } finally {
    clearInterval(ticker);
  }
});
// The answer to the last question (at most 2 s), then the watcher's end.
const waitedFrom = Date.now();
while (answered !== asked && Date.now() - waitedFrom < 2000) await new Promise((r) => setTimeout(r, 10));
await watcher.terminate();
if (copied !== 1) throw new Error(`expected one copy, made ${copied}`);
console.log(
  JSON.stringify({
    ...measured,
    longestPause,
    pauseRunning,
    pauseWaiting,
    pauseStolen,
    pauseDiskFaults,
    pauseStates,
    keyMs,
    aead: chacha20poly1305().name,
  }),
);
process.exit(0);
