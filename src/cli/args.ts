import { type ParseArgsConfig, parseArgs } from "node:util";
import { AppError } from "../lib/errors.ts";

/** The program's name as a person types it on this system (in help and in the hints commands print). */
export const PROGRAM = process.platform === "win32" ? "BusinessApp.exe" : "business-app";

/** The command line is wrong: unknown command or flag, missing value. Exit code 2. */
export class UsageError extends AppError {
  constructor(message: string) {
    super("cli.usage", message);
  }
}

export interface FlagSpec {
  /** Long name without dashes, e.g. `data-dir`. */
  name: string;
  /** Placeholder of the value in help, e.g. `N`; absent for a switch. */
  value?: string;
  help: string;
}

export type ParsedFlags = Record<string, string | boolean | undefined>;

/**
 * Parses `args` against the command's flags, strictly: an unknown flag, a missing value or
 * an unexpected word is a `UsageError` naming it.
 */
export function parseFlags(args: string[], flags: FlagSpec[], maxPositionals = 0) {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const flag of flags) options[flag.name] = { type: flag.value ? "string" : "boolean" };
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(args, flags),
      options,
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > maxPositionals) {
      throw new UsageError(`Unexpected argument "${positionals[maxPositionals]}".`);
    }
    return { values: values as ParsedFlags, positionals };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = (error as Error).message.split("\n")[0] ?? "Invalid arguments.";
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/, "."));
  }
}

/**
 * `--max-backups -1` means the value -1, not an option called `-1`: join such pairs so the
 * setting's own check can explain what is allowed.
 */
function joinNegativeValues(args: string[], flags: FlagSpec[]): string[] {
  const takesValue = new Set(flags.filter((f) => f.value).map((f) => `--${f.name}`));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (takesValue.has(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Help lines for a list of flags, aligned. */
export function describeFlags(flags: FlagSpec[]): string {
  const names = flags.map((f) => `--${f.name}${f.value ? ` ${f.value}` : ""}`);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return flags.map((f, i) => `  ${(names[i] ?? "").padEnd(width)}${f.help}`).join("\n");
}
