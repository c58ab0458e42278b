import { describe, expect, test } from "bun:test";
import type { ManifestRecord } from "../../src/backup/catalog/manifest.ts";
import type { BackupKind } from "../../src/backup/catalog/names.ts";
import type { RemoteCopy } from "../../src/offsite/copies/copies.ts";
import { type CopyPolicy, planCopies, planRemovals } from "../../src/offsite/copies/plan.ts";

const at = (day: number) => new Date(Date.UTC(2025, 8, day, 12)).toISOString();
const sha = (n: number) => n.toString(16).padStart(64, "0");

function local(
  name: string,
  kind: BackupKind,
  day: number,
  extra: Partial<ManifestRecord> = {},
): ManifestRecord {
  return {
    name,
    kind,
    createdAt: at(day),
    size: 4096,
    description: "",
    createdBy: null,
    health: "verified",
    sha256: sha(day),
    checkedAt: at(day),
    reason: null,
    sourceDamaged: false,
    ...extra,
  };
}

function remote(name: string, kind: BackupKind, day: number, hash = sha(day)): RemoteCopy {
  return {
    version: 2,
    name,
    createdAt: at(day),
    size: 4096,
    sha256: hash,
    encrypted: false,
    copySize: 4096,
    copySha256: hash,
    copiedAt: at(day),
    copyName: name,
    kind,
    origin: "snapshot",
    description: "",
    createdBy: null,
    databaseId: null,
    dataAt: null,
    rowCounts: null,
    proven: true,
  };
}

const policy = (
  over: Partial<CopyPolicy["retention"]> = {},
  kinds = ["startup", "automatic", "manual"],
): CopyPolicy => ({
  kinds: new Set(kinds as BackupKind[]),
  retention: {
    automatic: 2,
    calendar: NONE,
    manual: null,
    pre_restore: 5,
    pre_update: 3,
    startup: 3,
    ...over,
  },
});
/** No calendar periods: these cases are about the newest N of each kind. */
const NONE = { daily: 0, weekly: 0, monthly: 0, yearly: 0 };
const FACTS = { now: new Date(Date.UTC(2025, 8, 30)), automaticFailedAt: null };
const names = (items: { name: string }[]) => items.map((i) => i.name);

describe("what goes off-site", () => {
  test("verified backups of the chosen kinds whose copy is missing, newest first", () => {
    const mine = [
      local("backup_20250905_120000.db", "automatic", 5),
      local("pre_restore_20250904_120000.db", "pre_restore", 4),
      local("manual_20250903_120000.db", "manual", 3, { health: "damaged" }),
      local("backup_20250902_120000.db", "automatic", 2),
      local("manual_20250901_120000.db", "manual", 1, { health: "unchecked", sha256: null }),
    ];
    const there = [remote("backup_20250902_120000.db", "automatic", 2)];
    expect(names(planCopies(mine, there, policy(), FACTS.now))).toEqual(["backup_20250905_120000.db"]);
  });

  test("a copy of a damaged database is never copied", () => {
    const mine = [local("pre_restore_20250905_120000.db", "pre_restore", 5, { sourceDamaged: true })];
    expect(planCopies(mine, [], policy({}, ["pre_restore"]), FACTS.now)).toEqual([]);
  });

  test("the startup slot is copied again when it holds another backup", () => {
    const mine = [local("startup_backup.db", "startup", 6)];
    expect(names(planCopies(mine, [remote("startup_backup.db", "startup", 6)], policy(), FACTS.now))).toEqual(
      [],
    );
    const older = remote("startup_backup.db", "startup", 2);
    expect(names(planCopies(mine, [older], policy(), FACTS.now))).toEqual(["startup_backup.db"]);
  });

  test("backups that retention there would remove at once are not copied", () => {
    const mine = [1, 2, 3, 4].map((d) => local(`backup_2025090${d}_120000.db`, "automatic", d));
    expect(names(planCopies(mine, [], policy({ automatic: 2 }), FACTS.now))).toEqual([
      "backup_20250904_120000.db",
      "backup_20250903_120000.db",
    ]);
    // Newer copies already there count: the old local ones are not worth copying.
    const there = [
      remote("backup_20250910_120000.db", "automatic", 10),
      remote("backup_20250911_120000.db", "automatic", 11),
    ];
    expect(planCopies(mine, there, policy({ automatic: 2 }), FACTS.now)).toEqual([]);
  });
});

describe("retention off-site", () => {
  test("per kind the newest N stay; startup, uploaded and external copies always stay", () => {
    const there = [
      remote("backup_20250909_120000.db", "automatic", 9),
      remote("backup_20250908_120000.db", "automatic", 8),
      remote("startup_backup.db", "startup", 7),
      remote("backup_20250906_120000.db", "automatic", 6),
      remote("manual_20250905_120000.db", "manual", 5),
      remote("manual_20250904_120000.db", "manual", 4),
      remote("uploaded_20250903_120000.db", "uploaded", 3),
      remote("shop.db", "external", 2),
    ];
    expect(
      names(
        planRemovals(
          there,
          { automatic: 2, calendar: NONE, manual: 1, pre_restore: 1, pre_update: 1, startup: 1 },
          FACTS,
        ),
      ),
    ).toEqual(["backup_20250906_120000.db", "manual_20250904_120000.db"]);
    expect(
      planRemovals(
        there,
        { automatic: 5, calendar: NONE, manual: null, pre_restore: 1, pre_update: 1, startup: 1 },
        FACTS,
      ),
    ).toEqual([]);
  });

  test("each kind is counted among one database's copies: another database's stay until someone deletes them", () => {
    const of = (copy: RemoteCopy, databaseId: string) => ({ ...copy, databaseId });
    const there = [
      of(remote("backup_20250909_120000.db", "automatic", 9), "new shop"),
      of(remote("backup_20250908_120000.db", "automatic", 8), "new shop"),
      of(remote("backup_20250907_120000.db", "automatic", 7), "new shop"),
      of(remote("backup_20250902_120000.db", "automatic", 2), "old shop"),
      of(remote("backup_20250901_120000.db", "automatic", 1), "old shop"),
    ];
    expect(
      names(
        planRemovals(
          there,
          { automatic: 2, calendar: NONE, manual: 1, pre_restore: 1, pre_update: 1, startup: 1 },
          FACTS,
        ),
      ),
    ).toEqual(["backup_20250907_120000.db"]);
  });

  test("the newest copy of each kind stays, in any order given", () => {
    const there = [
      remote("manual_20250909_120000.db", "manual", 9),
      remote("manual_20250901_120000.db", "manual", 1),
    ];
    expect(
      names(
        planRemovals(
          there,
          { automatic: 1, calendar: NONE, manual: 1, pre_restore: 1, pre_update: 1, startup: 1 },
          FACTS,
        ),
      ),
    ).toEqual(["manual_20250901_120000.db"]);
    const unsorted = [...there].reverse();
    expect(
      names(
        planRemovals(
          unsorted,
          { automatic: 1, calendar: NONE, manual: 1, pre_restore: 1, pre_update: 1, startup: 1 },
          FACTS,
        ),
      ),
    ).toEqual(["manual_20250901_120000.db"]);
  });
});
