import pkg from "../../package.json" with { type: "json" };
import { EXIT } from "../app/error-codes.ts";
import { ConfigError } from "../config/load.ts";
import { currentAppDir } from "../config/paths.ts";
import { describeError } from "../lib/errors.ts";
import { PROGRAM, UsageError } from "./args.ts";
import { backupCommand } from "./commands/backup.ts";
import { drillCommand } from "./commands/drill.ts";
import { emailCommand } from "./commands/email.ts";
import { inspectCommand } from "./commands/inspect.ts";
import { listCommand } from "./commands/list.ts";
import { offsiteCommand } from "./commands/offsite.ts";
import { restoreCommand } from "./commands/restore.ts";
import { retentionCommand } from "./commands/retention.ts";
import { serveCommand } from "./commands/serve.ts";
import { statusCommand } from "./commands/status.ts";
import { userCommand } from "./commands/user.ts";
import { verifyCommand } from "./commands/verify.ts";
import type { CliContext } from "./context.ts";
import { usage } from "./help.ts";

export const VERSION = pkg.version;

type Command = (args: string[], ctx: CliContext) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  backup: backupCommand,
  list: listCommand,
  verify: verifyCommand,
  inspect: inspectCommand,
  restore: (args, ctx) => restoreCommand(args, ctx),
  drill: drillCommand,
  status: statusCommand,
  user: (args, ctx) => userCommand(args, ctx),
  offsite: offsiteCommand,
  email: emailCommand,
  retention: retentionCommand,
};

export function processContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    appDir: currentAppDir(),
    version: VERSION,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    progress: { isTTY: Boolean(process.stderr.isTTY), write: (text) => process.stderr.write(text) },
  };
}

/** Runs one command line and returns its exit code. */
export async function runCli(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const first = argv[0];
  if (first === "--help" || first === "-h" || first === "help") {
    ctx.stdout(`${usage()}\n`);
    return EXIT.ok;
  }
  if (first === "--version" || first === "-v") {
    ctx.stdout(`BusinessApp ${VERSION}\n`);
    return EXIT.ok;
  }
  const named = first !== undefined && !first.startsWith("-");
  const name = named ? first : "serve";
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`Unknown command "${name}".`);
    const args = named ? argv.slice(1) : argv;
    if (args.includes("--help") || args.includes("-h")) {
      ctx.stdout(`${usage()}\n`);
      return EXIT.ok;
    }
    return await command(args, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.stderr(`${error.message}\n\n${usage()}\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      ctx.stderr(`${error.message}\n`);
      return EXIT.usage;
    }
    ctx.stderr(`${PROGRAM}: ${describeError(error)}\n`);
    return EXIT.failed;
  }
}
