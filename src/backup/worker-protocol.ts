import type { CheckResult } from "./checks.ts";

export type WorkerRequest =
  | { task: "snapshot"; args: { source: string; target: string; salvage: boolean } }
  | { task: "inspect-file"; args: { path: string; restorable: boolean } }
  | { task: "check-live"; args: { path: string; full: boolean } }
  | { task: "count-rows"; args: { path: string } };

export interface TableCount {
  name: string;
  rows: number;
}

export interface SnapshotResult {
  check: CheckResult;
  sha256: string;
  size: number;
  /** How long each part took, in milliseconds (shown by the benchmarks). */
  timings: { snapshotMs: number; checkMs: number; hashMs: number };
}

export interface InspectResult {
  check: CheckResult;
  sha256: string | null;
  size: number;
}

export type WorkerReply = { ok: true; result: unknown } | { ok: false; message: string };
