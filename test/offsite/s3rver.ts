import { atEndOfRun } from "../end-of-run.ts";
import { tempDir } from "../helpers.ts";
import { type S3Server, spawnS3Server } from "./s3rver-process.ts";

export type { S3Server };

const running = new Set<ReturnType<typeof Bun.spawn>>();
// A test that failed before stopping its server must not leave it behind.
atEndOfRun(() => {
  for (const proc of running) proc.kill("SIGKILL");
});

/** s3rver for a test (see `spawnS3Server`), in a temporary folder, killed at the end of the run at the latest. */
export function startS3Server(options: { bucket?: string; dieAfterBytes?: number } = {}): Promise<S3Server> {
  return spawnS3Server({
    ...options,
    dir: tempDir("business-app-s3rver-"),
    onSpawn: (proc) => {
      running.add(proc);
      void proc.exited.then(() => running.delete(proc));
    },
  });
}
