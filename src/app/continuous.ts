import { type ContinuousCapture, type ContinuousStatus, listChains } from "../backup/index.ts";
import type { ChangeShipping, PlaceShipping } from "../offsite/continuous/shipping.ts";
import type { TargetId } from "../offsite/places/target.ts";

/** Continuous protection as the status, the API and `list --json` show it: the capture and, per place, its copies. */
export interface ContinuousView extends ContinuousStatus {
  /** Per off-site place: when changes last arrived there and how far behind it is; `{}` without places. */
  places: Partial<Record<TargetId, PlaceShipping>>;
}

/** The view of continuous protection from the capture and the shipping off-site. */
export function continuousView(
  capture: ContinuousCapture,
  shipping: ChangeShipping,
  backupsDir: string,
): ContinuousView {
  const chains = listChains(backupsDir);
  const status = capture.status(chains);
  const files = chains.flatMap((c) => c.files.map((f) => f.header));
  const newest = files.reduce<number | null>((max, f) => (max === null || f.to > max ? f.to : max), null);
  const oldestAfter = (after: number | null) =>
    files
      .filter((f) => after === null || f.to > after)
      .reduce<number | null>((min, f) => (min === null || f.from < min ? f.from : min), null);
  return { ...status, places: shipping.status(newest, oldestAfter) };
}

/** The room continuous protection's history takes in the backup folder, and the first moment it reaches back to. */
export interface ContinuousRoom {
  bytes: number;
  /** ISO 8601, or null without a chain. */
  from: string | null;
}

/** What the chains in `backupsDir` take on disk: each base and its change files. */
export function continuousRoom(backupsDir: string): ContinuousRoom {
  const chains = listChains(backupsDir);
  const bytes = chains.reduce(
    (sum, c) => sum + c.info.size * c.info.pageSize + c.files.reduce((s, f) => s + f.bytes, 0),
    0,
  );
  const first = chains[0]?.info.createdAt;
  return { bytes, from: first === undefined ? null : new Date(first).toISOString() };
}
