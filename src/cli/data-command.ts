import { mkdirSync } from "node:fs";
import { EXIT, exitCodeOf } from "../app/error-codes.ts";
import type { MissingDatabase } from "../app/restore/missing-database.ts";
import { type App, createApp } from "../app.ts";
import type { BackupEngine } from "../backup/index.ts";
import { describeError } from "../lib/errors.ts";
import type { ParsedFlags } from "./args.ts";
import type { CliContext } from "./context.ts";
import { type Progress, showProgress } from "./progress.ts";

/**
 * The app of a command that works on the data folder (only `--data-dir` and `--config` as
 * flags). It writes to the same backup.log as the server; the command prints its own result and
 * errors, so of the log only WARNING lines reach the terminal (what the command waits for, what
 * it could not tidy up). With `connection: "none"` the engine works on the files alone, beside a
 * server that may be running.
 */
export function openDataApp(
  values: ParsedFlags,
  ctx: CliContext,
  options: { connection: "own" | "none" } = { connection: "none" },
): App {
  const flags: { data_dir?: string; config?: string } = {};
  if (typeof values["data-dir"] === "string") flags.data_dir = values["data-dir"];
  if (typeof values.config === "string") flags.config = values.config;
  const app = createApp(
    { flags, env: ctx.env, appDir: ctx.appDir, cwd: ctx.cwd },
    { ...options, echo: (level, line) => level === "WARNING" && ctx.stderr(`${line}\n`) },
  );
  mkdirSync(app.paths.backupsDir, { recursive: true });
  return app;
}

/**
 * Runs `work` (an engine operation) while a terminal shows the engine's progress: the bytes of
 * the backup or restore written so far (see `showProgress`: only on a terminal, after a second).
 */
export function withProgress<T>(
  ctx: CliContext,
  engine: BackupEngine,
  work: () => Promise<T>,
  options: { quiet?: boolean } = {},
): Promise<T> {
  return whileShowing(ctx, engineProgress(engine), work, options);
}

/** The engine's running backup, restore or drill as a progress line, or null. */
export function engineProgress(engine: BackupEngine): () => Progress | null {
  const label = { backup: "Backing up", restore: "Restoring", drill: "Testing a restore of" } as const;
  return () => {
    const op = engine.progress();
    if (!op) return null;
    // Written whole: the new file's check and hash follow.
    if (op.bytesWritten >= op.bytesExpected) return { label: `Checking ${op.name}`, done: 0, total: 0 };
    return { label: `${label[op.action]} ${op.name}`, done: op.bytesWritten, total: op.bytesExpected };
  };
}

/** Runs `work` while a terminal shows `read()`'s progress (see `showProgress`; none when `quiet`: `--json`). */
export async function whileShowing<T>(
  ctx: CliContext,
  read: () => Progress | null,
  work: () => Promise<T>,
  options: { quiet?: boolean } = {},
): Promise<T> {
  const shown = showProgress(ctx.progress ?? NO_TERMINAL, read, options);
  try {
    return await work();
  } finally {
    shown.stop();
  }
}

/**
 * A command that would make an empty database where a shop's database went missing refuses, with
 * the sentence the app says too (`missingDatabase`) and how to go on: exit 1.
 */
export function refuseMissing(ctx: CliContext, missing: MissingDatabase): number {
  const restore =
    missing.from === "here"
      ? "Restore it with: business-app restore --latest (or restore NAME). "
      : missing.from
        ? `Restore it with: business-app restore --latest --from ${missing.from}. `
        : "";
  ctx.stderr(
    `${missing.sentence}\n${restore}To start with an empty database on purpose: business-app serve --new-database (every backup is kept).\n`,
  );
  return EXIT.failed;
}

/** Where a command run without a terminal shows progress: nowhere. */
export const NO_TERMINAL = { isTTY: false, write: () => {} };

/**
 * Writes the failure of an operation in one sentence and returns its exit code (`exitCodeOf`, the
 * same table as the web's statuses): 3 when another one holds the lock, 2 when a setting it needs
 * is missing, else 1.
 */
export function reportFailure(ctx: CliContext, prefix: string, error: unknown): number {
  ctx.stderr(`${prefix}: ${describeError(error)}\n`);
  return exitCodeOf(error);
}
