import type { DatabaseHandle } from "../db/handle.ts";

/** Runs on the restored database, open and migrated, before anyone uses it. */
export type RestoredHook = (db: DatabaseHandle) => void;

/** Who hears of restores. */
export class RestoreEvents {
  readonly restored: RestoredHook[] = [];
  readonly unusable: ((reason: string) => void)[] = [];

  /**
   * `hook` runs after every restore on the restored database, open and migrated, before anyone
   * uses it (the app ends every session here, including those carried inside the backup).
   */
  onRestored(hook: RestoredHook): void {
    this.restored.push(hook);
  }

  /** `listener` hears when a restored file is in place but will not open (the app enters recovery mode). */
  onDatabaseUnusable(listener: (reason: string) => void): void {
    this.unusable.push(listener);
  }
}
