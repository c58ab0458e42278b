import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fsyncDir } from "../../../lib/files/fs-sync.ts";
import { tempPathFor } from "../../../lib/files/temp-name.ts";
import { type ChangeHeader, type ChangeRecord, changeFileName, MAGIC } from "./change-file.ts";

/** Writing change files (their format: `change-file.ts`). */

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Writes the records of `header` into `dir` (complete under its name, or not at all); returns the path. */
export function writeChangeFile(dir: string, header: ChangeHeader, records: Iterable<ChangeRecord>): string {
  const out = new ChangeFileOut(dir, header);
  try {
    for (const record of records) out.add(record);
    out.seal();
  } catch (error) {
    out.abandon();
    throw error;
  }
  return out.place();
}

/**
 * A change file being written under a temporary name: `add` each record, `seal` it (the hash
 * written, flushed), then `place` it under its name — or `abandon` it (removed) at any point
 * before. A merge writes one record at a time between turns of the event loop.
 */
export class ChangeFileOut {
  readonly path: string;
  readonly #temp: string;
  readonly #hash = createHash("sha256");
  #fd: number | null;

  constructor(dir: string, header: ChangeHeader) {
    this.path = join(dir, changeFileName(header.level, header.first, header.last));
    this.#temp = tempPathFor(this.path, "write");
    this.#fd = openSync(this.#temp, "w", 0o600);
    try {
      const head = json(header);
      this.#put(MAGIC);
      this.#put(u32(head.length));
      this.#put(head);
    } catch (error) {
      this.abandon();
      throw error;
    }
  }

  add(record: ChangeRecord): void {
    const about = json({
      txn: record.txn,
      at: record.at,
      size: record.size,
      state: record.state,
      pages: record.pages.size,
    });
    this.#put(u32(about.length));
    this.#put(about);
    for (const [page, image] of [...record.pages].sort((a, b) => a[0] - b[0])) {
      this.#put(u32(page));
      this.#put(image);
    }
  }

  /** Writes the hash of everything before it, flushes and closes the file. */
  seal(): void {
    const fd = this.#descriptor();
    const trailer = new Uint8Array(this.#hash.digest());
    let done = 0;
    while (done < trailer.length) done += writeSync(fd, trailer, done, trailer.length - done);
    fsyncSync(fd);
    closeSync(fd);
    this.#fd = null;
  }

  /** Renames the sealed file to its name (then it is complete); returns the path. */
  place(): string {
    renameSync(this.#temp, this.path);
    fsyncDir(dirname(this.path));
    return this.path;
  }

  /** Removes what was written (the name it would have had is never touched). */
  abandon(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    rmSync(this.#temp, { force: true });
  }

  #descriptor(): number {
    if (this.#fd === null) throw new Error("the change file was sealed or abandoned already");
    return this.#fd;
  }

  #put(bytes: Uint8Array): void {
    const fd = this.#descriptor();
    this.#hash.update(bytes);
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  }
}
