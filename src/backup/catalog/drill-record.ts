import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/files/fs-sync.ts";
import type { SharingWait } from "../../lib/files/sharing.ts";

export const DRILL_FILE = "drill.json";

/** The outcome of a restore drill, as `drill.json`, the status and `drill --json` show it. */
export interface DrillResult {
  /** When it started (ISO 8601). */
  at: string;
  ok: boolean;
  /** Why it failed, in words; null when it passed. */
  reason: string | null;
  /** The backup restored into the temporary file; null when there was none to try. */
  backup: string | null;
  durationMs: number;
  /** Tables whose rows were compared with the counts recorded when the backup was made, and their rows. */
  tables: number;
  rows: number;
}

/** The last restore drill recorded in the backup folder, or null (none yet, or the file is unreadable). */
export function readDrillResult(dir: string): DrillResult | null {
  try {
    const data = JSON.parse(readFileSync(join(dir, DRILL_FILE), "utf8")) as {
      version?: unknown;
      last?: unknown;
    };
    const last = data.version === 1 ? (data.last as DrillResult | null) : null;
    return last && typeof last.at === "string" && typeof last.ok === "boolean" ? last : null;
  } catch {
    return null;
  }
}

/** Keeps `result` as the last drill, atomically (a crash leaves the old or the new one). */
export async function writeDrillResult(dir: string, result: DrillResult, wait: SharingWait): Promise<void> {
  await writeFileAtomic(join(dir, DRILL_FILE), `${JSON.stringify({ version: 1, last: result }, null, 2)}\n`, {
    wait,
  });
}
