import { readFirstLine } from "../shared/first-line.ts";

/** True inside the executable `deno compile` made, false when run with `deno run`. */
export function isCompiledExecutable(): boolean {
  return Deno.build.standalone;
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
