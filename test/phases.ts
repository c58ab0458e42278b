/**
 * `npm test`'s two runs of bun's test runner side by side: the suite against the compiled
 * executable (`test:exe`) and the black-box suite under `deno run` (`test:deno`). Each keeps about
 * one core of two busy, so together they take little more than the longer one. The executable's
 * run prints as it goes; the Deno run's output is kept in a file and printed whole after it, so the
 * two never interleave (each ends with bun's own "N pass" and "N fail" lines). Exits non-zero when
 * either failed.
 */
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "business-app-phases-"));
const logPath = join(dir, "deno.log");
const log = openSync(logPath, "w");
const run = (script: string, output: "inherit" | number) =>
  Bun.spawn(["bun", "run", script], { stdin: "ignore", stdout: output, stderr: output });

const deno = run("test:deno", log);
const exe = run("test:exe", "inherit");
const exeCode = await exe.exited;
const denoCode = await deno.exited;
process.stderr.write(`\nThe run under deno run (side by side with the executable's):\n`);
process.stderr.write(readFileSync(logPath));
rmSync(dir, { recursive: true, force: true });
process.exit(exeCode !== 0 ? exeCode : denoCode);
