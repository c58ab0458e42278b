import { describe, expect, test } from "bun:test";
import type { ContinuousView } from "../../src/app/continuous.ts";
import type { AppStatus } from "../../src/app/status.ts";
import { Progress } from "../../src/views/home/status-panel.tsx";
import { statusSentence } from "../../src/views/home/status-sentence.ts";

const now = new Date(2025, 8, 22, 14, 30, 0);
const iso = (hour: number, minute = 0, day = 22) => new Date(2025, 8, day, hour, minute).toISOString();
const twoSecondsAgo = new Date(now.getTime() - 2000).toISOString();

/** A running app whose newest good backup is from 12:30 and whose next automatic one is at 18:00. */
function status(
  change: Partial<Omit<AppStatus, "scheduler">> & { scheduler?: Partial<AppStatus["scheduler"]> } = {},
): AppStatus {
  const base: AppStatus = {
    scheduler: {
      active: true,
      paused: false,
      cadence: "every 6 hours",
      nextRun: iso(18),
      retryAt: null,
      running: false,
      lastRun: { at: iso(12, 30), ok: true, message: "backup_20250922_123000.db (1.0 MB)" },
    },
    health: { ok: true, full: false, reason: null, checkedAt: iso(12, 30) },
    recoveryMode: false,
    backups: {
      count: 3,
      totalBytes: 3_000_000,
      latest: { name: "backup_20250922_123000.db", createdAt: iso(12, 30) },
    },
    folder: "/shop/database_backups",
    freeBytes: 10_000_000_000,
    forecast: null,
    lastError: null,
    operation: null,
    background: [],
    drill: { intervalDays: 7, nextDue: iso(9, 0, 29), running: false, last: null, places: [] },
    alerts: [],
    offsite: null,
    continuous: null,
  };
  return { ...base, ...change, scheduler: { ...base.scheduler, ...change.scheduler } };
}

/** Continuous protection capturing, its last change 2 seconds before `now`, with `places`. */
function capturing(
  places: ContinuousView["places"] = {},
  lastCapturedAt: string | null = twoSecondsAgo,
): ContinuousView {
  return {
    active: true,
    from: iso(9),
    to: lastCapturedAt ?? iso(9),
    lastCapturedAt,
    chainStartedAt: iso(9),
    problem: null,
    places,
  };
}

describe("the status sentence", () => {
  const cases: [string, AppStatus, "ok" | "warn" | "bad", string][] = [
    ["all well", status(), "ok", "Your data is protected: last backup 2 hours ago, next at 18:00."],
    [
      "all well, every change captured",
      status({ continuous: capturing() }),
      "ok",
      "Every change is protected: last change captured 2 seconds ago; last backup 2 hours ago, next at 18:00.",
    ],
    [
      "every change captured and copied off-site",
      status({
        continuous: capturing({ mirror: { lastCopiedAt: twoSecondsAgo, lagSeconds: 0, problem: null } }),
      }),
      "ok",
      "Every change is protected: last change copied 2 seconds ago; last backup 2 hours ago, next at 18:00.",
    ],
    [
      "every change captured, S3 a little behind",
      status({
        continuous: capturing({
          mirror: { lastCopiedAt: iso(14, 29), lagSeconds: 0, problem: null },
          s3: { lastCopiedAt: iso(14, 29), lagSeconds: 8, problem: null },
        }),
      }),
      "ok",
      "Every change is protected: last change captured 2 seconds ago (off-site 8 seconds behind); last backup 2 hours ago, next at 18:00.",
    ],
    [
      "continuous protection on, nothing changed yet",
      status({ continuous: capturing({}, null) }),
      "ok",
      "Every change is protected: from now on; last backup 2 hours ago, next at 18:00.",
    ],
    [
      "the last automatic backup failed after the newest good one",
      status({
        scheduler: {
          lastRun: {
            at: iso(14, 10),
            ok: false,
            message: "Not enough disk space (needs 1.2 GB, 300 MB free).",
          },
          retryAt: iso(14, 32),
        },
      }),
      "bad",
      "Attention: the last automatic backup failed 20 minutes ago (not enough disk space); it is tried again at 14:32.",
    ],
    [
      "a failure that a later good backup made up for",
      status({
        scheduler: { lastRun: { at: iso(11), ok: false, message: "Another backup or restore is running." } },
      }),
      "ok",
      "Your data is protected: last backup 2 hours ago, next at 18:00.",
    ],
    [
      "a damaged database",
      status({
        health: { ok: false, full: true, reason: "database disk image is malformed", checkedAt: iso(14) },
      }),
      "bad",
      "Attention: the database is damaged (database disk image is malformed); the last good backup was made 2 hours ago. Restore a good backup.",
    ],
    [
      "recovery mode",
      status({ recoveryMode: true }),
      "bad",
      "Attention: the database cannot be used until a backup is restored.",
    ],
    [
      "no good backup",
      status({ backups: { count: 1, totalBytes: 3, latest: null } }),
      "warn",
      "Attention: there is no good backup yet. Create one now.",
    ],
    [
      "automatic backups paused",
      status({ scheduler: { active: false, paused: true, nextRun: null } }),
      "warn",
      "Automatic backups are paused: the last backup was 2 hours ago.",
    ],
    [
      "the newest good backup is weeks old",
      status({ backups: { count: 1, totalBytes: 1, latest: { name: "old.db", createdAt: iso(9, 0, 1) } } }),
      "warn",
      "Attention: the last good backup was made on 1 Sep; the next automatic one is at 18:00.",
    ],
    [
      "a restore running",
      status({
        operation: {
          action: "restore",
          kind: null,
          name: "x.db",
          startedAt: iso(14, 29),
          bytesExpected: 10,
          bytesWritten: 5,
          waitingFor: null,
        },
      }),
      "warn",
      "A backup is being restored now; everyone signs in again afterwards.",
    ],
    [
      "an alert the sentence has no rule of its own for: the restore drill failed",
      status({
        alerts: [
          {
            id: "drill_failed",
            since: iso(10),
            message: "The last restore drill failed 4 hours ago: the restored copy differs from the backup.",
            action: "Create a new backup and start a restore drill again.",
          },
        ],
      }),
      "warn",
      "Attention: the last restore drill failed 4 hours ago: the restored copy differs from the backup.",
    ],
  ];
  for (const [name, given, tone, text] of cases) {
    test(name, () => expect(statusSentence(given, now)).toMatchObject({ tone, text }));
  }

  test("names the alert it says, so the alerts beside it leave that one out", () => {
    const alert = {
      id: "drill_failed" as const,
      since: iso(10),
      message: "The last restore drill failed.",
      action: "",
    };
    expect(statusSentence(status({ alerts: [alert] }), now).covers).toBe("drill_failed");
    const failed = { at: iso(14), ok: false, message: "not enough disk space" };
    expect(statusSentence(status({ scheduler: { lastRun: failed } }), now).covers).toBe(
      "automatic_backup_failed",
    );
    expect(statusSentence(status(), now).covers).toBeUndefined();
  });
});

describe("the background work in words", () => {
  test("says what runs in the background and that it pauses, and nothing while an operation runs", () => {
    const html = (given: AppStatus) => String(Progress({ status: given }) ?? "");
    expect(html(status())).toBe("");
    const background = [
      { kind: "backup-check" as const, name: "startup_backup.db", startedAt: iso(14, 29) },
      { kind: "tidy" as const, name: null, startedAt: iso(14, 29) },
    ];
    expect(html(status({ background }))).toContain(
      "Checking backup startup_backup.db; Removing old backups in the background — it pauses when you start something.",
    );
    const operation = {
      action: "restore" as const,
      kind: null,
      name: "manual_20250922_120000.db",
      startedAt: iso(14, 29),
      bytesExpected: 100,
      bytesWritten: 50,
      waitingFor: null,
    };
    expect(html(status({ background, operation }))).not.toContain("in the background");
  });
});
