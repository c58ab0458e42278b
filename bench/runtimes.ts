import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const CHILD = join(ROOT, "bench", "runtime-child.ts");

/** A runtime the app runs on, as the benchmarks start it. */
export interface BenchRuntime {
  name: "Bun" | "Deno";
  /** How its snapshots are written. */
  snapshot: string;
  /** The app's command line under it (arguments follow). */
  app: string[];
  /** Runs a TypeScript file under it. */
  script(file: string): string[];
}

/** Bun (the compiled executable `exe` for the app) and Deno (`deno run`, as `deno task start`). */
export function benchRuntimes(exe: string): BenchRuntime[] {
  const deno = [
    join(ROOT, "node_modules", ".bin", "deno"),
    "run",
    "--allow-all",
    "--v8-flags=--expose-gc",
    "--config",
    join(ROOT, "deno.json"),
  ];
  return [
    { name: "Bun", snapshot: "VACUUM INTO", app: [exe], script: (file) => [process.execPath, file] },
    {
      name: "Deno",
      snapshot: "online backup",
      app: [...deno, join(ROOT, "src", "main.ts")],
      script: (file) => [...deno, file],
    },
  ];
}

/** Runs one task of `runtime-child.ts` (or of another `script`) under `runtime` and returns what it printed (JSON). */
export function runChild<T>(runtime: BenchRuntime, task: string, args: string[], script = CHILD): T {
  settleDisk();
  const result = Bun.spawnSync([...runtime.script(script), ...(task ? [task] : []), ...args], {
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  });
  if (result.exitCode !== 0)
    throw new Error(`${runtime.name} ${task} failed: ${result.stderr.toString()}${result.stdout.toString()}`);
  return JSON.parse(result.stdout.toString().trim().split("\n").at(-1) ?? "null") as T;
}

/**
 * Writes out what earlier measurements left unwritten (`sync`, untimed), so that no contender
 * pays for another's data: a 1 GB `cp` leaves a gigabyte the kernel writes while the next runs.
 */
export function settleDisk(): void {
  Bun.spawnSync(["sync"]);
}

/** How long a command takes, from a settled disk; `stdin` is typed into it. */
export function timeCommand(argv: string[], stdin?: string): number {
  settleDisk();
  const started = performance.now();
  const result = Bun.spawnSync(argv, {
    stdout: "ignore",
    stderr: "pipe",
    ...(stdin === undefined ? {} : { stdin: new TextEncoder().encode(stdin) }),
  });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr.toString()}`);
  return ms;
}
