import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DrillResult } from "../../backup/index.ts";
import { writeFileAtomic } from "../../lib/files/fs-sync.ts";
import type { SharingWait } from "../../lib/files/sharing.ts";
import type { TargetId } from "../places/target.ts";

/** Beside `drill.json` in the backup folder: the last off-site drill of each place. */
export const OFFSITE_DRILL_FILE = "offsite-drill.json";

/** An off-site drill: a restore drill of the newest copy in one place, as recorded and shown. */
export interface PlaceDrillResult extends DrillResult {
  place: TargetId;
  /** The place in words ("the mirror folder", "S3") and where it is (the folder, the bucket). */
  label: string;
  where: string;
  /** False when the copy carried no row counts (made before its check): the rows were counted, not compared. */
  countsCompared: boolean;
}

const PLACES: readonly TargetId[] = ["mirror", "s3"];

function isResult(value: unknown, place: TargetId): value is PlaceDrillResult {
  const r = value as Partial<PlaceDrillResult> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    r.place === place &&
    typeof r.at === "string" &&
    typeof r.ok === "boolean" &&
    typeof r.label === "string"
  );
}

/**
 * The last off-site drill of each place, from `offsite-drill.json`; a place with none (or a file
 * that is missing, unreadable or of another version) has no entry. Only what looks like a result is
 * taken: the file is the app's own, but a hand may have changed it.
 */
export function readPlaceDrills(dir: string): Partial<Record<TargetId, PlaceDrillResult>> {
  let data: { version?: unknown; places?: Record<string, unknown> };
  try {
    data = JSON.parse(readFileSync(join(dir, OFFSITE_DRILL_FILE), "utf8"));
  } catch {
    return {};
  }
  if (data?.version !== 1 || typeof data.places !== "object" || data.places === null) return {};
  const found: Partial<Record<TargetId, PlaceDrillResult>> = {};
  for (const place of PLACES) {
    const entry = data.places[place];
    if (isResult(entry, place)) found[place] = entry;
  }
  return found;
}

/**
 * Keeps `result` as the last drill of its place, beside the other places' (read and written
 * atomically; the caller holds the off-site drill lock, so no other process writes meanwhile).
 */
export async function writePlaceDrill(
  dir: string,
  result: PlaceDrillResult,
  wait: SharingWait,
): Promise<void> {
  const places = { ...readPlaceDrills(dir), [result.place]: result };
  await writeFileAtomic(
    join(dir, OFFSITE_DRILL_FILE),
    `${JSON.stringify({ version: 1, places }, null, 2)}\n`,
    {
      wait,
    },
  );
}
