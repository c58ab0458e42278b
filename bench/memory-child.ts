/**
 * Run as its own process by bench/memory.ts: takes one verified backup through the engine and
 * prints the process's resident memory when idle and at its peak during the backup (worker
 * thread included: it lives in the same process).
 */
import { join } from "node:path";
import { BackupEngine } from "../src/backup/engine.ts";
import { createLog } from "../src/lib/log.ts";

const [database, work] = Bun.argv.slice(2) as [string, string];
const engine = new BackupEngine({
  database,
  backupsDir: join(work, "memory-backups"),
  operationLock: join(work, "memory.lock"),
  log: createLog({ path: join(work, "memory.log"), echo: null }),
  retention: { automatic: 1, manual: 1, pre_restore: 1 },
});
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
