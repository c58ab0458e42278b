import { encodeError } from "./worker-errors.ts";
import type { WorkerReply } from "./worker-protocol.ts";

/** After the file's name: only its full check (`checkRestorable`, through a map), nothing else. */
export const CHECK_ONLY_ARG = "--check-only";

/**
 * The program run again as a process of its own (`inspectFileInProcess`): inspects the one
 * backup file named in `args` (`inspectFile`; with `CHECK_ONLY_ARG` after it, `checkRestorable`
 * through a map, `checkFileInProcess`) and writes the answer, as the worker would post it, as
 * one line of JSON to standard output. Returns the exit code: 0 when it answered, 2 on bad usage.
 */
export async function answerInspection(args: string[]): Promise<number> {
  const [path, mode] = args;
  if (!path || args.length > 2 || (args.length === 2 && mode !== CHECK_ONLY_ARG)) {
    process.stderr.write(`usage: one backup file to inspect [${CHECK_ONLY_ARG}]\n`);
    return 2;
  }
  // Ctrl+C or a closed console signals the whole process group: the app decides, and kills this
  // process itself when it stops (`stopCheckProcesses`), so a stop is never logged as a failed check.
  for (const signal of ["SIGINT", "SIGHUP"] as const) {
    try {
      process.on(signal, () => {});
    } catch {
      // A runtime that cannot listen for it here (Windows): the app still ends this process.
    }
  }
  let reply: WorkerReply;
  try {
    reply = {
      ok: true,
      result: mode
        ? (await import("./trust.ts")).checkRestorable(path, { mapped: true })
        : await (await import("./inspect-file.ts")).inspectFile(path),
    };
  } catch (error) {
    reply = { ok: false, error: encodeError(error) };
  }
  const line = `${JSON.stringify(reply, (_key, value) => (typeof value === "bigint" ? Number(value) : value))}\n`;
  await new Promise<void>((resolve) => process.stdout.write(line, () => resolve()));
  return 0;
}
