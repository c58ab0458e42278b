import {
  type BackupEngine,
  explainRetention,
  type ManifestRecord,
  newestFirst,
  parseBackupName,
  type RetentionDecision,
} from "../../backup/index.ts";
import { coerce } from "../../config/coerce.ts";
import { ConfigError } from "../../config/load.ts";
import { SETTING_ALLOWED, type Settings, settingsSchema } from "../../config/schema.ts";
import type { OffsiteService } from "../../offsite/service.ts";
import { offsiteOptions, retentionLimits } from "./options.ts";

/** The settings a retention preview may try other values of (the Settings page's fields, the command's flags). */
export const PREVIEW_KEYS = [
  "max_backups",
  "keep_daily",
  "keep_weekly",
  "keep_monthly",
  "keep_yearly",
] as const;
export type PreviewKey = (typeof PREVIEW_KEYS)[number];

/** A backup as a place's preview knows it: its name, kind and time, judged verified (as every listed copy). */
export interface PreviewCopy {
  name: string;
  kind: ManifestRecord["kind"];
  createdAt: string;
  dataAt: string | null;
  databaseId: string | null;
  health: "verified";
}

export interface RetentionPreview {
  /** Every local backup, newest first, kept or to go and why. */
  local: RetentionDecision<ManifestRecord>[];
  /** Each configured place, from what this installation recorded writing there (`recordedCopies`). */
  places: { label: string; where: string; decisions: RetentionDecision<PreviewCopy>[] }[];
}

/**
 * `current` with the retention values of `values` in their place, each checked as the settings
 * file's would be; a value that is not allowed is a `ConfigError` naming the setting (nothing is saved).
 */
export function withRetentionValues(
  current: Settings,
  values: Partial<Record<PreviewKey, string>>,
): Settings {
  const next: Record<string, unknown> = { ...current };
  for (const key of PREVIEW_KEYS) {
    const raw = values[key];
    if (raw === undefined) continue;
    const parsed = settingsSchema.shape[key].safeParse(coerce(key, raw));
    if (!parsed.success) {
      const allowed = SETTING_ALLOWED[key];
      throw new ConfigError(`Invalid value for setting ${key}: ${raw}. Allowed: ${allowed}.`, {
        key,
        value: raw,
        allowed,
      });
    }
    next[key] = parsed.data;
  }
  return next as Settings;
}

/** The copies recorded at a place as retention judges them: what the backup folder knows of each, else its name. */
function recordedAsCopies(names: string[], local: Map<string, ManifestRecord>): PreviewCopy[] {
  const copies: PreviewCopy[] = [];
  for (const name of names) {
    const known = local.get(name);
    const at = known ? null : parseBackupName(name).at;
    const createdAt = known?.createdAt ?? at?.toISOString();
    // A name without a time (startup_backup.db once its backup is gone here) cannot be placed.
    if (!createdAt) continue;
    copies.push({
      name,
      kind: known?.kind ?? parseBackupName(name).kind,
      createdAt,
      dataAt: known?.dataAt ?? null,
      databaseId: known?.databaseId ?? null,
      health: "verified",
    });
  }
  return copies.sort(newestFirst);
}

/**
 * What retention would keep and remove with `settings` (the saved ones, or with other values from
 * `withRetentionValues`), here and at each place; reads the backup folder and `offsite.json`,
 * asks no place and changes nothing.
 */
export function previewRetention(
  deps: { engine: BackupEngine; offsite: Pick<OffsiteService, "recordedCopies"> },
  settings: Settings,
): RetentionPreview {
  const listing = deps.engine.list();
  const facts = deps.engine.retentionFacts();
  const byName = new Map(listing.map((r) => [r.name, r]));
  const offsite = offsiteOptions(settings).policy.retention;
  return {
    local: explainRetention(listing, retentionLimits(settings), facts),
    places: deps.offsite.recordedCopies().map((place) => ({
      label: place.label,
      where: place.where,
      decisions: explainRetention(recordedAsCopies(place.names, byName), offsite, facts),
    })),
  };
}
