import { basename } from "node:path";
import { AppError } from "../errors.ts";

export const FILE_ERROR_CODES = ["file.in_use"] as const;
export type FileErrorCode = (typeof FILE_ERROR_CODES)[number];

/** Another program kept a file open for longer than the app waits, so it could not be replaced or removed. */
export class FileInUseError extends AppError<FileErrorCode> {
  readonly file: string;

  constructor(path: string) {
    super("file.in_use", `Another program has ${basename(path)} open (close it and try again).`);
    this.file = path;
  }
}

/**
 * True for the ways a file system says "another program has this file open": Windows refuses to
 * rename over or delete a file that a program holds without delete sharing (a database viewer, an
 * antivirus scanner, a sync tool) with EPERM, EACCES or EBUSY. Elsewhere only EBUSY means that;
 * EPERM and EACCES there are permissions, which waiting does not change.
 */
function isSharingViolation(error: unknown, platform: string = process.platform): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EBUSY") return true;
  return platform === "win32" && (code === "EPERM" || code === "EACCES");
}

/** How long to wait for another program to let go of a file, and who hears about the wait. */
export interface SharingWait {
  /** The longest wait, in milliseconds; 0 tries once. */
  timeoutMs: number;
  /** Told once, at the first refusal, that the app is waiting for `path`. */
  onWait?: (path: string, timeoutMs: number) => void;
}

const FIRST_PAUSE_MS = 100;
const LONGEST_PAUSE_MS = 2000;

/** The pauses between tries: 100 ms doubling to 2 s, adding up to at most `timeoutMs`. */
function* pauses(timeoutMs: number): Generator<number> {
  let waited = 0;
  let pause = FIRST_PAUSE_MS;
  while (waited < timeoutMs) {
    const next = Math.min(pause, timeoutMs - waited);
    yield next;
    waited += next;
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  }
}

/**
 * Runs `op` on `path`, trying again while another program holds the file (`isSharingViolation`),
 * with back-off, for at most `wait.timeoutMs`; then throws `FileInUseError`. Any other error is
 * thrown at once. Waits without blocking the thread.
 */
export async function whileInUse<T>(path: string, op: () => T | Promise<T>, wait: SharingWait): Promise<T> {
  let told = false;
  const tries = pauses(wait.timeoutMs);
  for (;;) {
    try {
      return await op();
    } catch (error) {
      if (!isSharingViolation(error)) throw error;
      const pause = tries.next();
      if (pause.done) throw new FileInUseError(path);
      if (!told) wait.onWait?.(path, wait.timeoutMs);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, pause.value));
    }
  }
}
