import type { MigrationMeta } from "drizzle-orm/migrator";
import { answerParent } from "#runtime/worker.ts";
import type { LookTask } from "../browse/tasks.ts";
import type { CheckResult } from "./checks.ts";
import { type ErrorPayload, encodeError } from "./worker-errors.ts";

export type WorkerRequest =
  | { task: "snapshot"; args: { source: string; target: string; salvage: boolean } }
  | { task: "snapshot-checked"; args: { source: string; target: string; salvage: boolean } }
  | { task: "check-file"; args: { path: string; full: boolean } }
  | { task: "copy-file"; args: { source: string; target: string } }
  | { task: "inspect-file"; args: { path: string; mapped?: boolean } }
  | { task: "check-restorable"; args: { path: string; mapped?: boolean } }
  | { task: "check-moment-whole"; args: { path: string } }
  | { task: "check-moment-tables"; args: { path: string; base: string; written: Uint32Array } }
  | { task: "check-live"; args: { path: string; full: boolean } }
  | { task: "count-rows"; args: { path: string } }
  | { task: "drill-file"; args: { path: string; migrations: MigrationMeta[] } }
  | { task: "rebuild"; args: { source: string; target: string } }
  | { task: "point-state"; args: { path: string; pageSize: number; size: number } }
  | { task: "look"; args: LookTask }
  | { task: "seal-file"; args: { source: string; target: string; head: Uint8Array; key: Uint8Array } }
  | { task: "digest-file"; args: { path: string } }
  | {
      task: "hash-pages";
      args: {
        shared: SharedArrayBuffer;
        control: SharedArrayBuffer;
        pageSize: number;
        copyTo: string | null;
      };
    };

export interface TableCount {
  name: string;
  rows: number;
}

export interface SnapshotResult {
  size: number;
  /** How long writing and flushing it took, in milliseconds (shown by the benchmarks). */
  snapshotMs: number;
}

export interface InspectResult {
  check: CheckResult;
  sha256: string | null;
  size: number;
  /** Rows per table of a file that passed the check; null otherwise. */
  rowCounts: Record<string, number> | null;
  /** The identity of the database a file that passed the check is of, or null (none recorded in it). */
  databaseId: string | null;
}

/** What a restore drill found in its copy of a backup, opened with the app's migrations. */
export interface DrillFileResult extends CheckResult {
  rowCounts: Record<string, number> | null;
}

export type WorkerReply =
  | { ok: true; result: unknown }
  | { ok: false; error: ErrorPayload }
  /** Not the answer yet: how far the work has come. */
  | { note: unknown };

/** The snapshot's answer: written (a note first, with its size), then its quick check. */
export interface SnapshotChecked {
  size: number;
  snapshotMs: number;
  check: CheckResult;
  /** The identity of the database the snapshot is of (`database_identity`), or null. */
  databaseId: string | null;
}

/**
 * Inside a worker: answers each request with what `handle` resolves to, or with the error it
 * threw, encoded so that the client rethrows it with its class and fields.
 */
export function answerRequests<Request>(
  handle: (request: Request, tell: (note: unknown) => void) => Promise<unknown>,
): void {
  answerParent(async (data, tell): Promise<WorkerReply> => {
    try {
      return { ok: true, result: await handle(data as Request, (note) => tell({ note })) };
    } catch (error) {
      return { ok: false, error: encodeError(error) };
    }
  });
}
