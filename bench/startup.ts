import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { warmRuntime } from "./runtimes.ts";
import { settle } from "./settle.ts";
import { type Row, summarize } from "./table.ts";

function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

/**
 * Milliseconds from spawning the app to its first answer of `GET /api/health`, on a new data folder
 * each run, from a settled disk (`settle`: the first row comes right after the build wrote its
 * executables, and Deno's first answer waits for the new database's flushes: 254–347 ms then,
 * 198–249 ms later in the same run) with the runtime's files in the system's cache (`warmRuntime`).
 */
export async function measureStartup(options: {
  name: string;
  command: string[];
  work: string;
  runs: number;
}): Promise<Row> {
  const samples: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const dataDir = mkdtempSync(join(options.work, "startup-"));
    const port = freePort();
    settle();
    warmRuntime(options.command);
    const started = performance.now();
    const proc = Bun.spawn([...options.command, "--port", String(port), "--data-dir", dataDir], {
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
      stdout: "ignore",
      stderr: "ignore",
    });
    while (true) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) break;
      } catch {
        await Bun.sleep(2);
      }
      if (performance.now() - started > 30_000) throw new Error(`${options.name}: no answer within 30 s`);
    }
    samples.push(performance.now() - started);
    proc.kill("SIGTERM");
    await proc.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
  return summarize(options.name, "ms", samples, 300);
}
