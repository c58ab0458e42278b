import { statSync } from "node:fs";
import type { Clock } from "../../../lib/time.ts";
import type { ChangeHeader, ChangeRecord } from "../files/change-file.ts";
import { writeChangeFile } from "../files/change-file-out.ts";
import { readWal, type WalPosition, type WalTransaction } from "../files/wal.ts";
import type { Current } from "./chain-start.ts";

/**
 * The capture's writing of the chain being written (`Current`): the transactions committed since
 * the last read, taken from the log a bounded part at a time, each transaction's record carrying
 * the state (`StateHash`) it produces, each part written as one change file that starts from the
 * state the last one ended with. A log that broke is said, never written over.
 */
export class ChainWriter {
  readonly #o: { clock: Clock; readBytes: number; onChange?: (() => void) | undefined };
  /** Pages captured since the last checkpoint (the capture resets it after one). */
  capturedPages = 0;
  /** When the last transaction was captured (ms), or null. */
  lastCapturedAt: number | null = null;

  constructor(options: { clock: Clock; readBytes: number; onChange?: (() => void) | undefined }) {
    this.#o = options;
  }

  /**
   * Reads what was committed since the last read of `walPath`, a bounded part at a time, each
   * part its own change file; with `all`, on to the end of the log (what must be read before the
   * pin lets go: a checkpoint, a stop, a new chain), else one part (the rest at the next tick).
   * Returns how many transactions were captured, or why continuity was lost (`broken`).
   */
  read(current: Current, walPath: string, all: boolean): number | { broken: string } {
    let captured = 0;
    for (;;) {
      const read = readWal(walPath, current.position, this.#o.readBytes);
      if (read.kind === "none") return captured;
      if (read.kind === "broken") return { broken: read.reason };
      if (read.pageSize !== current.chain.info.pageSize) return { broken: "the page size changed" };
      const records = this.#records(current, read.transactions);
      if (records.length > 0) this.#write(current, records, read.position);
      current.position = read.position;
      captured += records.length;
      if (read.complete || !all) return captured;
    }
  }

  #records(current: Current, transactions: WalTransaction[]): ChangeRecord[] {
    const at = this.#o.clock().getTime();
    return transactions.map((t) => {
      for (const [page, image] of t.pages) current.state.setPage(page, image);
      current.state.setSize(t.size);
      this.capturedPages += t.pages.size;
      return { txn: ++current.txn, at, size: t.size, state: current.state.digest(), pages: t.pages };
    });
  }

  /**
   * Writes `transactions` (read already) into the chain, in change files of about one read
   * (`readBytes`) each, every file ending where its last transaction ends in the log. Returns how
   * many were written.
   */
  writeAll(current: Current, transactions: WalTransaction[]): number {
    const pageSize = current.chain.info.pageSize;
    for (let first = 0; first < transactions.length; ) {
      let bytes = 0;
      let end = first;
      while (end < transactions.length && (end === first || bytes < this.#o.readBytes))
        bytes += ((transactions[end++] as WalTransaction).pages.size || 1) * pageSize;
      const part = transactions.slice(first, end);
      this.#write(current, this.#records(current, part), (part.at(-1) as WalTransaction).position);
      first = end;
    }
    return transactions.length;
  }

  #write(current: Current, records: ChangeRecord[], position: WalPosition): void {
    const first = records[0] as ChangeRecord;
    const last = records.at(-1) as ChangeRecord;
    const header: ChangeHeader = {
      format: 1,
      chain: current.chain.info.id,
      level: 0,
      first: first.txn,
      last: last.txn,
      from: first.at,
      to: last.at,
      prev: current.last,
      result: last.state,
      pageSize: current.chain.info.pageSize,
      wal: position,
    };
    const path = writeChangeFile(current.chain.dir, header, records);
    const bytes = statSync(path).size;
    current.chain.files.push({ path, header, bytes });
    current.changeBytes += bytes;
    current.last = last.state;
    this.lastCapturedAt = last.at;
    this.#o.onChange?.();
  }
}
