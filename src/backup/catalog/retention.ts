import { PERIODS, type Period, periodCount, periodName, periodsBack } from "./calendar.ts";
import { dataTimeOf } from "./lineage.ts";
import { type BackupEntry, newestHealthy } from "./manifest.ts";
import type { BackupKind } from "./names.ts";

/** Besides the newest N: the newest automatic backup of each of the last D days, W weeks, M months, Y years (0: none). */
export type CalendarLimits = Record<Period, number>;

export interface RetentionLimits {
  automatic: number;
  /** Automatic backups kept besides the newest `automatic`: one per calendar period. */
  calendar: CalendarLimits;
  /** null: unlimited. */
  manual: number | null;
  pre_restore: number;
  pre_update: number;
  /** `startup_backup.db` and the ones before it (`startup_YYYYMMDD_HHMMSS.db`). */
  startup: number;
}

/** What retention is judged against besides the backups: given, so the planner stays pure. */
export interface RetentionFacts {
  /** Now, by the app's clock: calendar periods are counted back from it. */
  now: Date;
  /** When the last automatic backup attempt failed (ISO 8601), or null when it succeeded or none ran. */
  automaticFailedAt: string | null;
}

export interface RetentionDecision<T> {
  record: T;
  keep: boolean;
  /** Why, in words: "kept: newest of week 49", "goes: not the newest of its day". */
  reason: string;
}

type Judged = Pick<BackupEntry, "name" | "kind" | "health" | "createdAt"> & {
  databaseId?: string | null;
  dataAt?: string | null;
};

const COUNTED = [
  "automatic",
  "manual",
  "pre_restore",
  "pre_update",
  "startup",
] as const satisfies BackupKind[];

const PERIOD_WORD: Record<Period, string> = {
  daily: " (daily)",
  weekly: "",
  monthly: " (monthly)",
  yearly: " (yearly)",
};

/**
 * Why retention must wait, or null: the last automatic backup attempt failed after the newest
 * automatic backup, or the newest automatic backup is not checked yet. Until then nothing is removed,
 * so a run of failures never thins out the backups that are left.
 */
function waitReason(automatic: Judged[], facts: RetentionFacts): string | null {
  const newest = automatic[0];
  if (facts.automaticFailedAt && (!newest || dataTimeOf(newest) < facts.automaticFailedAt))
    return "kept: retention waits — the last automatic backup failed";
  // A damaged one is a person's to judge, and never stops retention (as before).
  if (newest && newest.health === "unchecked")
    return "kept: retention waits — the newest backup is not verified yet";
  return null;
}

/**
 * The automatic backups of one database (newest data first): the newest `limit`, then the newest
 * of each of the last D days, W weeks, M months and Y years; every other one goes, with the
 * smallest period it lies in named as the reason.
 */
function judgeAutomatic<T extends Judged>(
  healthy: T[],
  limits: RetentionLimits,
  now: Date,
): Map<T, { keep: boolean; reason: string }> {
  const verdicts = new Map<T, { keep: boolean; reason: string }>();
  healthy.forEach((record, index) => {
    if (index < limits.automatic)
      verdicts.set(record, { keep: true, reason: `kept: one of the newest ${limits.automatic}` });
  });
  const at = new Map(healthy.map((r) => [r, new Date(dataTimeOf(r))]));
  for (const period of PERIODS) {
    const seen = new Set<number>();
    for (const record of healthy) {
      const back = periodsBack(period, at.get(record) as Date, now);
      if (back >= limits.calendar[period] || seen.has(back)) continue;
      seen.add(back);
      if (!verdicts.has(record))
        verdicts.set(record, {
          keep: true,
          reason: `kept: newest of ${periodName(period, at.get(record) as Date, now)}${PERIOD_WORD[period]}`,
        });
    }
  }
  for (const record of healthy) {
    if (verdicts.has(record)) continue;
    const when = at.get(record) as Date;
    const within = PERIODS.find((p) => periodsBack(p, when, now) < limits.calendar[p]);
    const longest = [...PERIODS].reverse().find((p) => limits.calendar[p] > 0);
    const reason = within
      ? within === "daily"
        ? "goes: not the newest of its day"
        : `goes: not the newest of ${periodName(within, when, now)}`
      : longest
        ? `goes: older than the ${periodCount(longest, limits.calendar[longest])} kept`
        : `goes: not one of the newest ${limits.automatic}`;
    verdicts.set(record, { keep: false, reason });
  }
  return verdicts;
}

/**
 * Every backup of a listing sorted newest first, kept or to go, with the reason in words. Per
 * kind, the newest `limit` verified backups are kept; automatic ones besides those by calendar
 * (`judgeAutomatic`: periods in local time, a backup placed by when its data was taken). Damaged
 * and unchecked backups are never counted as kept ones and never deleted here (a person decides
 * about them); uploaded and external backups are never deleted; the newest verified backup of all
 * is never deleted; nothing is while retention waits (`waitReason`). Each kind is counted among
 * the backups of one database only, the one its newest backup is of (`databaseId`; one an older
 * version made, with none recorded, counts as of it): the backups of another database (before a
 * start with an empty database, say) stay until a person deletes them.
 */
export function explainRetention<T extends Judged>(
  listing: T[],
  limits: RetentionLimits,
  facts: RetentionFacts,
  /** Backups that must stay whatever their age (the one just restored). */
  protect: ReadonlySet<string> = new Set(),
): RetentionDecision<T>[] {
  const newest = newestHealthy(listing);
  const verdicts = new Map<T, { keep: boolean; reason: string }>();
  for (const kind of COUNTED) {
    const ofKind = listing.filter((r) => r.kind === kind && r.health === "verified");
    const database = ofKind.find((r) => r.databaseId)?.databaseId ?? null;
    const healthy = ofKind.filter((r) => !r.databaseId || !database || r.databaseId === database);
    if (kind === "automatic") {
      const byData = [...healthy].sort((a, b) => dataTimeOf(b).localeCompare(dataTimeOf(a)));
      for (const [record, verdict] of judgeAutomatic(byData, limits, facts.now))
        verdicts.set(record, verdict);
      continue;
    }
    const limit = limits[kind];
    healthy.forEach((record, index) => {
      verdicts.set(
        record,
        limit === null
          ? { keep: true, reason: "kept: backups made by hand are kept until someone deletes them" }
          : index < limit
            ? { keep: true, reason: `kept: one of the newest ${limit}` }
            : { keep: false, reason: `goes: not one of the newest ${limit}` },
      );
    });
  }
  const automatic = listing
    .filter((r) => r.kind === "automatic")
    .sort((a, b) => dataTimeOf(b).localeCompare(dataTimeOf(a)));
  const waiting = waitReason(automatic, facts);
  return listing.map((record) => {
    const verdict = verdicts.get(record) ?? { keep: true, reason: standingReason(record) };
    if (verdict.keep) return { record, ...verdict };
    if (record === newest) return { record, keep: true, reason: "kept: newest healthy backup" };
    if (protect.has(record.name)) return { record, keep: true, reason: "kept: the backup just restored" };
    if (waiting) return { record, keep: true, reason: waiting };
    return { record, ...verdict };
  });
}

/** Why a backup retention does not count stays. */
function standingReason(record: Judged): string {
  if (record.health === "damaged") return "kept: damaged — a person decides about it";
  if (record.health === "unchecked") return "kept: not checked yet — never counted or removed";
  if (record.kind === "uploaded" || record.kind === "external")
    return "kept: uploaded and copied-in backups are never removed by retention";
  return "kept: a backup of another database — a person decides about it";
}

/** The backups to delete (`explainRetention`'s "goes"), in listing order. */
export function planRetention<T extends Judged>(
  listing: T[],
  limits: RetentionLimits,
  facts: RetentionFacts,
  protect: ReadonlySet<string> = new Set(),
): T[] {
  return explainRetention(listing, limits, facts, protect)
    .filter((d) => !d.keep)
    .map((d) => d.record);
}
