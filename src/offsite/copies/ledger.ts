import { z } from "zod";
import { SharedRecordFile } from "../../lib/files/shared-file.ts";

/**
 * What this installation knows it wrote to each off-site place, kept in
 * `database_backups/offsite.json`: without a passphrase (no MAC on sidecars) it is the only proof
 * that a copy there is the app's own, so retention removes nothing else; and it names what an
 * interrupted run left there (objects half written, uploads never completed) so that only those
 * are cleared. A lost or damaged file only makes the app more careful: it then removes nothing it
 * cannot prove it wrote.
 */
const placeSchema = z.object({
  /**
   * Whole copies written here: copy name → its SHA-256 and size as stored, and the SHA-256 of the
   * sidecar written beside it (without a passphrase, the proof that the sidecar says what the app
   * wrote: its time, its origin).
   */
  copies: z
    .record(z.string(), z.object({ sha256: z.string(), size: z.number(), sidecar: z.string().default("") }))
    .default({}),
  /** Names being written (a copy, its sidecar, a temporary file, a test file) → since when. */
  writing: z.record(z.string(), z.string()).default({}),
  /** Multipart uploads begun and not yet completed or aborted: upload id → key and since when. */
  uploads: z.record(z.string(), z.object({ key: z.string(), startedAt: z.string() })).default({}),
  /** The place has held encrypted copies: from now on plain copies there are never listed or written. */
  encrypted: z.boolean().default(false),
  /** The recipient (`age1…`) of the place's key as first made or opened here: another key there is refused. */
  key: z.string().nullable().default(null),
});
export type PlaceRecord = z.infer<typeof placeSchema>;

const fileSchema = z.object({
  version: z.literal(1),
  places: z.record(z.string(), placeSchema),
});

const EMPTY: () => PlaceRecord = () => ({
  copies: {},
  writing: {},
  uploads: {},
  encrypted: false,
  key: null,
});

/** The record of every place, in one file shared with the other processes of the app (`SharedRecordFile`). */
export class OffsiteLedger {
  readonly #file: SharedRecordFile<z.infer<typeof fileSchema>>;

  constructor(path: string) {
    this.#file = new SharedRecordFile(path, (value) => {
      const parsed = fileSchema.safeParse(value);
      return parsed.success ? parsed.data : { version: 1, places: {} };
    });
  }

  /** What is known of the place `id` now (read from the file). */
  record(id: string): PlaceRecord {
    return this.#file.read().places[id] ?? EMPTY();
  }

  /** Reads the file, applies `change` to the place `id`, writes it atomically; one change at a time. */
  change(id: string, change: (record: PlaceRecord) => void): Promise<void> {
    return this.#file.change(({ places }) => {
      const record = places[id] ?? EMPTY();
      change(record);
      places[id] = record;
    });
  }

  /** The view of one place that its target and its runs use. */
  place(id: string): PlaceLedger {
    return {
      record: () => this.record(id),
      change: (change) => this.change(id, change),
      writing: (name) =>
        this.change(id, (r) => {
          r.writing[name] = new Date().toISOString();
        }),
      written: (name) =>
        this.change(id, (r) => {
          delete r.writing[name];
        }),
    };
  }
}

export interface PlaceLedger {
  record(): PlaceRecord;
  change(change: (record: PlaceRecord) => void): Promise<void>;
  /** `name` is about to be written there: until `written`, an interrupted run's leftover. */
  writing(name: string): Promise<void>;
  written(name: string): Promise<void>;
}
