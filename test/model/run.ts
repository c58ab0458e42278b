import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildExecutable } from "../../build.ts";
import { Model } from "./machine.ts";

/**
 * `npm run test:model -- --steps N --seed S [--launcher exe|bun|deno]`: a long run of the
 * model-based test (`machine.ts`) against the executable built now (or the source). Prints each
 * step's action and, on a failure, the seed and step to repeat it with; exit 1 then.
 */
const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "200" },
    seed: { type: "string" },
    launcher: { type: "string", default: "exe" },
    quiet: { type: "boolean", default: false },
  },
});
const steps = Number(values.steps);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(seed)) {
  console.error("Usage: npm run test:model -- --steps N --seed S [--launcher exe|bun|deno]");
  process.exit(2);
}
const root = resolve(import.meta.dir, "..", "..");
const work = mkdtempSync(join(tmpdir(), "business-app-model-"));
const main = join(root, "src", "main.ts");
const command =
  values.launcher === "bun"
    ? [process.execPath, main]
    : values.launcher === "deno"
      ? [
          join(root, "node_modules", ".bin", "deno"),
          "run",
          "--allow-all",
          "--config",
          join(root, "deno.json"),
          main,
        ]
      : [buildExecutable({ target: "host", outdir: join(work, "dist") })];

function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

console.log(`model run: ${steps} steps, seed ${seed} (${values.launcher})`);
const started = Date.now();
const counts = new Map<string, number>();
let code = 0;
try {
  await new Model({
    seed,
    steps,
    command,
    workDir: work,
    freePort,
    onStep(step, action) {
      counts.set(action, (counts.get(action) ?? 0) + 1);
      if (!values.quiet) console.log(`${step} ${action}`);
    },
  }).run();
  const seconds = Math.round((Date.now() - started) / 1000);
  const tally = [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([a, n]) => `${a} ${n}`)
    .join(", ");
  console.log(`model run passed: ${steps} steps, seed ${seed}, ${seconds} s (${tally})`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  code = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
