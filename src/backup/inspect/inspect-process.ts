import { inspectFile } from "./inspect-file.ts";
import { encodeError } from "./worker-errors.ts";
import type { WorkerReply } from "./worker-protocol.ts";

/**
 * The program run again as a process of its own (`inspectFileInProcess`): inspects the one
 * backup file named in `args` (`inspectFile`) and writes the answer, as the worker would post it,
 * as one line of JSON to standard output. Returns the exit code: 0 when it answered, 2 on bad
 * usage.
 */
export async function answerInspection(args: string[]): Promise<number> {
  const [path] = args;
  if (args.length !== 1 || !path) {
    process.stderr.write("usage: one backup file to inspect\n");
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
    reply = { ok: true, result: await inspectFile(path) };
  } catch (error) {
    reply = { ok: false, error: encodeError(error) };
  }
  const line = `${JSON.stringify(reply, (_key, value) => (typeof value === "bigint" ? Number(value) : value))}\n`;
  await new Promise<void>((resolve) => process.stdout.write(line, () => resolve()));
  return 0;
}
