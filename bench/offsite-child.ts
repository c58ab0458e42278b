/**
 * Run by the off-site benchmark under Bun and under Deno alike (no runtime's own API here): one
 * off-site run of the app on data folder DIR, with its settings as a JSON object of environment
 * variables; prints the time, the resident memory at idle and at the peak, as one line of JSON.
 *   bun bench/offsite-child.ts DIR '{"BUSINESS_APP_OFFSITE_MIRROR_DIR": "/mnt/usb"}'
 */
import { benchApp } from "./app.ts";
import { idleAndPeak } from "./rss.ts";

const [dir, envJson] = process.argv.slice(2) as [string, string];
const { offsite } = benchApp(dir, { connection: "none", env: JSON.parse(envJson) });
let copied = 0;
const measured = await idleAndPeak(async () => {
  for (const { target, report, error } of await offsite.syncNow()) {
    if (error || !report) throw new Error(`${target.label}: ${error?.message ?? "stopped"}`);
    copied += report.copied.length;
  }
});
if (copied !== 1) throw new Error(`expected one copy, made ${copied}`);
console.log(JSON.stringify(measured));
process.exit(0);
