import type { ProgressSink } from "./progress.ts";

/** What a command gets from the process it runs in; tests pass their own. */
export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  appDir: string;
  version: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Where a long command shows its progress (standard error when it is a terminal); none when absent. */
  progress?: ProgressSink;
}
