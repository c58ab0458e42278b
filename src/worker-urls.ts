/**
 * Where the worker entry files are. This module sits beside `main.ts` on purpose: in the
 * compiled executable every module shares `main.ts`'s location, and `build.ts` embeds each worker
 * at its path relative to `src/`, so a URL made here is right both from source and compiled.
 */
export const BACKUP_WORKER_URL = new URL("./backup/inspect/worker.ts", import.meta.url);

/** The program's own entry, which a check in a process of its own runs again (from source). */
export const MAIN_URL = new URL("./main.ts", import.meta.url);

/**
 * The first argument that makes the program inspect one backup file and answer on standard
 * output (`inspectFileInProcess`) instead of running its command line; never typed by a person.
 */
export const INSPECT_PROCESS_ARG = "--internal-inspect-file";
