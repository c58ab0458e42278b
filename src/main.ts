import { INSPECT_PROCESS_ARG } from "./worker-urls.ts";

// The executable's entry point: run the command line, then leave with its exit code. Run again
// by the app itself to check a backup in a process it can stop at once, it loads only that check.
const args = process.argv.slice(2);
if (args[0] === INSPECT_PROCESS_ARG) {
  const { answerInspection } = await import("./backup/inspect/inspect-process.ts");
  process.exit(await answerInspection(args.slice(1)));
}
const { runCli } = await import("./cli/index.ts");
const code = await runCli(args);
// The app's small files are saved off its thread: those still on their way land first.
await (await import("./lib/files/fs-sync.ts")).savesSettled();
process.exit(code);
