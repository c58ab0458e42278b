import { runCli } from "./cli/index.ts";

// The executable's entry point: run the command line, then leave with its exit code.
const code = await runCli(process.argv.slice(2));
process.exit(code);
