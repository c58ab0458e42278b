/**
 * Run by the off-site benchmark under Bun and under Deno alike (no runtime's own API here): one
 * off-site run of the app on data folder DIR, with its settings as a JSON object of environment
 * variables, after its places' keys were made or opened (as when the service starts); prints the
 * time, the resident memory at idle and at the peak, the longest pause of the thread meanwhile,
 * the time the keys took and the cipher, as one line of JSON.
 *   bun bench/offsite-child.ts DIR '{"BUSINESS_APP_OFFSITE_MIRROR_DIR": "/mnt/usb"}'
 */
import { chacha20poly1305 } from "#runtime/aead.ts";
import { benchApp } from "./app.ts";
import { idleAndPeak } from "./rss.ts";

const [dir, envJson] = process.argv.slice(2) as [string, string];
const { offsite } = benchApp(dir, { connection: "none", env: JSON.parse(envJson) });
const keyStarted = performance.now();
// What the first run after the start does once for the process: a new place's key is made here.
for (const id of offsite.placeIds()) await offsite.forWriting(id, new AbortController().signal);
const keyMs = performance.now() - keyStarted;
let copied = 0;
// The longest the thread was kept from other work (a timer due every 5 ms, late by this much).
let longestPause = 0;
const measured = await idleAndPeak(async () => {
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longestPause = Math.max(longestPause, now - last - 5);
    last = now;
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
if (copied !== 1) throw new Error(`expected one copy, made ${copied}`);
console.log(JSON.stringify({ ...measured, longestPause, keyMs, aead: chacha20poly1305().name }));
process.exit(0);
