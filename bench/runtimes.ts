import { join, resolve } from "node:path";
import { settle } from "./settle.ts";

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

/**
 * Runs one task of `runtime-child.ts` (or of another `script`) under `runtime`, from a settled disk
 * with `warm` in the system's cache, and returns what it printed (JSON).
 */
export function runChild<T>(
  runtime: BenchRuntime,
  task: string,
  args: string[],
  options: { script?: string; warm?: string[] } = {},
): T {
  settle(...(options.warm ?? []));
  const script = options.script ?? CHILD;
  const result = Bun.spawnSync([...runtime.script(script), ...(task ? [task] : []), ...args], {
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  });
  if (result.exitCode !== 0)
    throw new Error(`${runtime.name} ${task} failed: ${result.stderr.toString()}${result.stdout.toString()}`);
  // What it said on the way (a disk that was not quiet before its measurement) goes into the log.
  const said = result.stderr.toString().trim();
  if (said) console.error(`${runtime.name} ${task || "child"}: ${said}`);
  return JSON.parse(result.stdout.toString().trim().split("\n").at(-1) ?? "null") as T;
}

/**
 * Runs the app's command line `app` once with `--version` (untimed), which loads every module of
 * the app: a start measured next finds the runtime's and the app's files in the system's cache, as
 * any start but the first after the PC boots does (gigabytes of earlier rows push them out). The
 * first start after a boot reads them from the disk: under `deno run` 430–650 ms to the first
 * answer here, against about 230 ms warm (the executable: one file).
 */
export function warmRuntime(app: string[]): void {
  const result = Bun.spawnSync([...app, "--version"], {
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
    stdout: "ignore",
    stderr: "pipe",
  });
  if (result.exitCode !== 0)
    throw new Error(`${app.join(" ")} --version failed: ${result.stderr.toString()}`);
}

/** How long a command takes, from a settled disk with `warm` (the files it reads) in the system's cache. */
export function timeCommand(argv: string[], warm: string[] = []): number {
  settle(...warm);
  const started = performance.now();
  const result = Bun.spawnSync(argv, { stdout: "ignore", stderr: "pipe" });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr.toString()}`);
  return ms;
}

/**
 * The contenders of run `run` in their order: as given in even runs, the other way round in odd
 * ones, so that over two runs each comes first and last alike. What comes first after gigabytes
 * were written pays for them (the host still writes them out), whichever it is: with the runtimes'
 * order swapped once, Deno's 4 GB restore took 13.1 s when first, Bun's 7.5 s when second.
 */
export function inTurn<T>(contenders: T[], run: number): T[] {
  return run % 2 === 0 ? contenders : [...contenders].reverse();
}
