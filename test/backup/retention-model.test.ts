import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BackupHealth } from "../../src/backup/catalog/manifest.ts";
import type { BackupKind } from "../../src/backup/catalog/names.ts";
import { explainRetention, type RetentionLimits } from "../../src/backup/catalog/retention.ts";
import { seededRandom } from "../random.ts";

/**
 * Calendar retention against a plain model of its rules: an injected clock walks two years of
 * backups every 6 hours (a week closed now and then, a day of failures, a newest backup not yet
 * checked), and after every attempt the planner's answer must be the model's. The model groups by
 * period names and picks the newest of each; the planner counts periods back from now.
 */

interface Backup {
  name: string;
  kind: BackupKind;
  health: BackupHealth;
  createdAt: string;
  dataAt: string;
}

const pad = (n: number) => String(n).padStart(2, "0");
const dayName = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** The model's period names: a day, the Monday its week starts on, a month, a year. */
const NAMES = {
  daily: dayName,
  weekly: (d: Date) => dayName(new Date(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7))),
  monthly: (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}`,
  yearly: (d: Date) => String(d.getFullYear()),
};

/** The names of the last `count` periods, today's first. */
function lastPeriods(period: keyof typeof NAMES, now: Date, count: number): Set<string> {
  const names = new Set<string>();
  const [y, m, d] = [now.getFullYear(), now.getMonth(), now.getDate()];
  for (let k = 0; k < count; k++) {
    const at =
      period === "daily"
        ? new Date(y, m, d - k)
        : period === "weekly"
          ? new Date(y, m, d - 7 * k)
          : period === "monthly"
            ? new Date(y, m - k, 1)
            : new Date(y - k, 0, 1);
    names.add(NAMES[period](at));
  }
  return names;
}

/** The model: the names that stay. */
function modelKeeps(
  listing: Backup[],
  limits: RetentionLimits,
  now: Date,
  failedAt: string | null,
): Set<string> {
  const keep = new Set(
    listing.filter((b) => b.kind !== "automatic" || b.health !== "verified").map((b) => b.name),
  );
  const automatic = listing
    .filter((b) => b.kind === "automatic" && b.health === "verified")
    .sort((a, b) => (a.dataAt < b.dataAt ? 1 : -1));
  for (const b of automatic.slice(0, limits.automatic)) keep.add(b.name);
  for (const period of ["daily", "weekly", "monthly", "yearly"] as const) {
    const wanted = lastPeriods(period, now, limits.calendar[period]);
    const newestOf = new Map<string, Backup>();
    for (const b of automatic) {
      const name = NAMES[period](new Date(b.dataAt));
      const best = newestOf.get(name);
      if (!best || b.dataAt > best.dataAt) newestOf.set(name, b);
    }
    for (const [name, b] of newestOf) if (wanted.has(name)) keep.add(b.name);
  }
  const newestHealthy = [...listing]
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
    .find((b) => b.health === "verified");
  if (newestHealthy) keep.add(newestHealthy.name);
  const newestAutomatic = listing
    .filter((b) => b.kind === "automatic")
    .sort((a, b) => (a.dataAt < b.dataAt ? 1 : -1))[0];
  const waits =
    (failedAt !== null && (!newestAutomatic || newestAutomatic.dataAt < failedAt)) ||
    (newestAutomatic !== undefined && newestAutomatic.health === "unchecked");
  return waits ? new Set(listing.map((b) => b.name)) : keep;
}

const seed = Number(process.env.RETENTION_SEED ?? Math.floor(Math.random() * 2 ** 31));
let zone: string | undefined;
beforeAll(() => {
  // A zone with summer time, so days that are 23 or 25 hours long are walked through too.
  zone = process.env.TZ;
  process.env.TZ = "Europe/Berlin";
});
afterAll(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

test.each([0, 1, 2])(
  `two years of backups every 6 hours: the planner decides as the model, and keeps its promises (seed ${seed} + %d)`,
  (run) => {
    const random = seededRandom(seed + run);
    const int = (max: number) => Math.floor(random() * (max + 1));
    const limits: RetentionLimits = {
      automatic: 1 + int(11),
      calendar: { daily: int(10), weekly: int(6), monthly: int(14), yearly: int(4) },
      manual: null,
      pre_restore: 5,
      pre_update: 3,
      startup: 3,
    };
    let listing: Backup[] = [];
    let failedAt: string | null = null;
    let closedUntil = 0;
    let failingUntil = 0;
    let sequence = 0;
    const start = new Date(2025, 0, 1, 3).getTime();
    const end = new Date(2027, 0, 1, 3).getTime();
    try {
      for (let t = start; t < end; t += 6 * 3_600_000) {
        const now = new Date(t);
        // A check finishes before the next attempt: the newest is verified then.
        listing = listing.map((b) => (b.health === "unchecked" ? { ...b, health: "verified" } : b));
        if (t < closedUntil) continue;
        if (random() < 0.004) closedUntil = t + 7 * 86_400_000; // The shop closes for a week: the PC is off.
        if (random() < 0.004) failingUntil = t + 86_400_000; // A day of failures (a full disk, say).
        if (t < failingUntil) {
          failedAt = now.toISOString();
        } else {
          const kind: BackupKind = random() < 0.02 ? "manual" : "automatic";
          const health: BackupHealth =
            random() < 0.03 ? "unchecked" : random() < 0.002 ? "damaged" : "verified";
          const at = now.toISOString();
          listing.unshift({ name: `b${sequence++}`, kind, health, createdAt: at, dataAt: at });
          if (kind === "automatic") failedAt = null;
        }
        const decisions = explainRetention(listing, limits, { now, automaticFailedAt: failedAt });
        const expected = modelKeeps(listing, limits, now, failedAt);
        const kept = decisions.filter((d) => d.keep).map((d) => d.record.name);
        expect(new Set(kept)).toEqual(expected);
        for (const d of decisions) expect(d.reason.startsWith(d.keep ? "kept: " : "goes: ")).toBe(true);
        const goes = decisions.filter((d) => !d.keep).map((d) => d.record);
        const newestHealthy = listing.find((b) => b.health === "verified");
        if (newestHealthy) expect(goes).not.toContain(newestHealthy);
        const newestAutomatic = listing.find((b) => b.kind === "automatic");
        const waits = failedAt !== null || newestAutomatic?.health === "unchecked";
        if (waits) expect(goes).toEqual([]);
        const keptAutomatic = decisions.filter(
          (d) => d.keep && d.record.kind === "automatic" && d.record.health === "verified",
        ).length;
        if (!waits) {
          const { daily, weekly, monthly, yearly } = limits.calendar;
          expect(keptAutomatic).toBeLessThanOrEqual(limits.automatic + daily + weekly + monthly + yearly);
        }
        const gone = new Set(goes.map((b) => b.name));
        listing = listing.filter((b) => !gone.has(b.name));
      }
    } catch (error) {
      console.error(
        `retention model: seed ${seed} + ${run} (repeat with RETENTION_SEED=${seed}), limits ${JSON.stringify(limits)}`,
      );
      throw error;
    }
  },
);
