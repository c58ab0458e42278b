/**
 * Where the worker entry files are. This module sits beside `main.ts` on purpose: in the
 * compiled executable every module shares `main.ts`'s location, and `build.ts` embeds each worker
 * at its path relative to `src/`, so a URL made here is right both from source and compiled.
 */
export const BACKUP_WORKER_URL = new URL("./backup/inspect/worker.ts", import.meta.url);
