import { mkdirSync } from "node:fs";
import type { BackupEngine } from "../backup/engine.ts";
import { BackupBusyError } from "../backup/errors.ts";
import { type LoadedConfig, loadConfig } from "../config/load.ts";
import { describeError } from "../lib/errors.ts";
import { createLog } from "../lib/log.ts";
import { escapeControlCharacters } from "../lib/text.ts";
import type { ParsedFlags } from "./args.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { createEngine } from "./wiring.ts";

/** The settings of a command that works on the data folder (only `--data-dir` and `--config` as flags). */
export function loadDataConfig(values: ParsedFlags, ctx: CliContext): LoadedConfig {
  const flags: { data_dir?: string; config?: string } = {};
  if (typeof values["data-dir"] === "string") flags.data_dir = values["data-dir"];
  if (typeof values.config === "string") flags.config = values.config;
  return loadConfig({ flags, env: ctx.env, appDir: ctx.appDir, cwd: ctx.cwd });
}

/**
 * An engine for a command-line operation. It writes to the same backup.log as the server; the
 * command prints its own result and errors, so the log is not echoed.
 */
export function openEngine(config: LoadedConfig): BackupEngine {
  mkdirSync(config.paths.backupsDir, { recursive: true });
  return createEngine(config, createLog({ path: config.paths.log, echo: null }), null);
}

/** Writes the failure of an engine operation in one sentence and returns its exit code. */
export function reportFailure(ctx: CliContext, prefix: string, error: unknown): number {
  ctx.stderr(`${prefix}: ${escapeControlCharacters(describeError(error))}\n`);
  return error instanceof BackupBusyError ? EXIT.locked : EXIT.failed;
}
