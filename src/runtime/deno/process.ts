import { fileURLToPath } from "node:url";
import { MAIN_URL } from "../../worker-urls.ts";
import { readFirstLine } from "../shared/first-line.ts";

/** True inside the executable `deno compile` made, false when run with `deno run`. */
export function isCompiledExecutable(): boolean {
  return Deno.build.standalone;
}

/**
 * The command that runs this program again with `args`: `deno run` of `main.ts` with the
 * project's configuration and the app's own permissions (Deno's `node:sqlite` honours an
 * `immutable` file name only with all of them), never asking.
 */
export function ownCommand(args: string[]): string[] {
  if (Deno.build.standalone) return [Deno.execPath(), ...args];
  const config = fileURLToPath(new URL("../deno.json", MAIN_URL));
  const run = ["run", "--allow-all", "--no-prompt", "--quiet", "--config", config];
  return [Deno.execPath(), ...run, fileURLToPath(MAIN_URL), ...args];
}

/** All of standard input, as text, once it ends. */
export function readStdinText(): Promise<string> {
  return new Response(Deno.stdin.readable).text();
}

/**
 * Standard input up to and including its first line break (or its end), without waiting for
 * more: the answer to a question. The line comes back without its `\n`.
 */
export function readStdinLine(): Promise<string> {
  return readFirstLine(Deno.stdin.readable);
}

/**
 * How many processes share this program's console window on Windows; null under Deno, which
 * this app does not ship as a Windows executable: "open the browser on a double-click" is the
 * Bun executable's, and `open_browser: true` opens it anywhere.
 */
export function consoleProcessCount(): number | null {
  return null;
}
