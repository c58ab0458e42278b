import { join } from "node:path";
import { continuousDir } from "../../backup/index.ts";
import { SharedRecordFile } from "../../lib/files/shared-file.ts";

const RECORD_FILE = "shipped.json";

/** What `shipped.json` keeps of a place: the manifests written (chain → SHA-256), and how current it is. */
export interface PlaceRecord {
  manifests: Record<string, string>;
  lastCopiedAt: number | null;
  newestThere: number | null;
}

/**
 * What this installation wrote to each place of continuous protection, by place
 * (`continuous/shipped.json`): the SHA-256 of each manifest, the proof of a plain one
 * (`readRemoteChains`), and how current the place is. Shared across processes: the command line
 * reads what the serving app recorded.
 */
export class ShippedRecord {
  readonly #file: SharedRecordFile<{ version: 1; places: Record<string, PlaceRecord> }>;

  constructor(backupsDir: string) {
    this.#file = new SharedRecordFile(join(continuousDir(backupsDir), RECORD_FILE), (value) => {
      const places = (value as { places?: unknown } | null)?.places;
      return {
        version: 1,
        places: typeof places === "object" && places !== null ? (places as Record<string, PlaceRecord>) : {},
      };
    });
  }

  /** Every place's record, as the file holds it now. */
  places(): Record<string, PlaceRecord> {
    return this.#file.read().places;
  }

  /** Records what place `key` holds now (one change at a time, across processes too). */
  change(key: string, change: (record: PlaceRecord) => void): Promise<void> {
    return this.#file.change(({ places }) => {
      const own: PlaceRecord = {
        manifests: {},
        lastCopiedAt: null,
        newestThere: null,
        ...(places[key] ?? {}),
      };
      change(own);
      places[key] = own;
    });
  }
}
