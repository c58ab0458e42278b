/**
 * A worker that answers through the backup worker's own protocol but raises the error a
 * request names, because the real tasks raise the typed ones only when a disk or file fails.
 */
import { writeFileSync } from "node:fs";
import { threadId } from "node:worker_threads";
import { DiskFullError, TooManyManualBackupsError } from "../../src/backup/errors.ts";
import { answerRequests } from "../../src/backup/inspect/worker-protocol.ts";

export type RaiseRequest = {
  raise: "disk-full" | "rate-limited" | "no-space-on-device" | "nothing" | "exit" | "thread" | "wait";
};

answerRequests(async (request: RaiseRequest) => {
  switch (request.raise) {
    case "disk-full":
      throw new DiskFullError();
    case "rate-limited":
      throw new TooManyManualBackupsError(12, 600);
    case "no-space-on-device":
      writeFileSync("/dev/full", "x");
      return "written";
    case "nothing":
      return { answered: true };
    case "exit":
      process.exit(3);
      break;
    case "thread":
      return threadId;
    case "wait":
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      return "waited";
  }
});
