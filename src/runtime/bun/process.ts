import { fileURLToPath } from "node:url";
import { MAIN_URL } from "../../worker-urls.ts";
import { readFirstLine } from "../shared/first-line.ts";

/** True inside the executable `bun build --compile` made, false when run from source. */
export function isCompiledExecutable(): boolean {
  return Bun.isStandaloneExecutable;
}

/** The command that runs this program again with `args`: the executable itself, or Bun and `main.ts`. */
export function ownCommand(args: string[]): string[] {
  if (Bun.isStandaloneExecutable) return [process.execPath, ...args];
  return [process.execPath, fileURLToPath(MAIN_URL), ...args];
}

/** All of standard input, as text, once it ends. */
export function readStdinText(): Promise<string> {
  return Bun.stdin.text();
}

/**
 * Standard input up to and including its first line break (or its end), without waiting for
 * more: the answer to a question. The line comes back without its `\n`.
 */
export function readStdinLine(): Promise<string> {
  return readFirstLine(Bun.stdin.stream());
}

/**
 * How many processes share this program's console window on Windows (kernel32's
 * `GetConsoleProcessList`): 1 when Explorer started it by a double-click (the console is its
 * own), 2 or more from a command prompt. Null elsewhere, or when it cannot be asked.
 */
export function consoleProcessCount(): number | null {
  if (process.platform !== "win32") return null;
  try {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const kernel32 = dlopen("kernel32.dll", {
      GetConsoleProcessList: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.u32 },
    });
    const ids = new Uint32Array(8);
    const count = kernel32.symbols.GetConsoleProcessList(ids, ids.length);
    kernel32.close();
    return count;
  } catch {
    return null;
  }
}
