import type { DatabaseHandle } from "../../db/handle.ts";
import { describeError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import type { ManifestRecord } from "../catalog/manifest.ts";

/** Runs on the restored database, open and migrated, before anyone uses it. */
export type RestoredHook = (db: DatabaseHandle) => void;

/** Who hears of restores, and of new backups. */
export class RestoreEvents {
  readonly restored: RestoredHook[] = [];
  readonly unusable: ((reason: string) => void)[] = [];
  readonly #made: ((record: ManifestRecord) => void)[] = [];

  /**
   * `listener` hears of each backup made or uploaded, once it is listed and the operation lock
   * is released; it must not wait for anything (off-site copies start in the background).
   */
  onBackupMade(listener: (record: ManifestRecord) => void): void {
    this.#made.push(listener);
  }

  /** Tells the `onBackupMade` listeners of `record` and returns it; a listener's failure is a WARNING, not the backup's. */
  tellMade(record: ManifestRecord, log: Log): ManifestRecord {
    for (const listener of this.#made) {
      try {
        listener(record);
      } catch (error) {
        log.warning(`After the backup ${record.name}: ${describeError(error)}`);
      }
    }
    return record;
  }

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
