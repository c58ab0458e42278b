/**
 * Run as its own process by bench/memory.ts: takes one verified backup through the engine and
 * prints the process's resident memory when idle and at its peak during the backup (worker
 * thread included: it lives in the same process).
 */
import { dirname } from "node:path";
import { benchApp } from "./app.ts";

const [database] = Bun.argv.slice(2) as [string];
const { engine } = benchApp(dirname(database), { connection: "none" });
Bun.gc(true);
await Bun.sleep(200);
let idle = 0;
for (let i = 0; i < 20; i++) {
  idle = Math.max(idle, process.memoryUsage.rss());
  await Bun.sleep(10);
}
let peak = idle;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 2);
await engine.createBackup({ kind: "manual" });
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
console.log(JSON.stringify({ idle, peak }));
