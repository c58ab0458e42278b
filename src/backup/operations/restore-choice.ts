import { openDatabase } from "#runtime/sqlite.ts";
import { readIdentity } from "../../db/identity.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { bringIn, compareIncoming } from "../catalog/arrivals.ts";
import { lineageOf } from "../catalog/lineage.ts";
import { type ManifestRecord, passedFullCheck } from "../catalog/manifest.ts";
import type { EngineContext, RestoreOptions } from "../context.ts";
import { BackupUnusableError, NameTakenError, NoUsableBackupError } from "../errors.ts";
import { holdsNoRows } from "../inspect/checks.ts";
import { verifyRecord } from "./verify.ts";

/**
 * The identity of "this database": the one the database open now holds; else the one the database
 * file holds (read only); else the one the backups say was in place last — the newest backup's,
 * or the one a restore put in place when that newest backup is the restore's safety backup (the file is
 * missing, broken, or holds no rows: a database just made, on a new PC or started empty, has no
 * data to keep, so it does not decide); null when nothing tells.
 */
function currentIdentity(options: {
  open: SqlDatabase | null;
  database: string;
  records: ManifestRecord[];
}): string | null {
  const holding = (db: SqlDatabase) => (holdsNoRows(db) ? null : readIdentity(db));
  try {
    if (options.open) {
      const id = holding(options.open);
      if (id) return id;
    } else {
      const db = openDatabase(options.database, { readonly: true });
      try {
        const id = holding(db);
        if (id) return id;
      } finally {
        db.close();
      }
    }
  } catch {
    // Missing or unreadable: the backups say.
  }
  // The newest moment the backups know of: a backup of the database then, or a restore that put
  // another database in place then (its safety backup says which).
  const newest = lineageOf(options.records, null).find((r) => r.databaseId || r.restoredId);
  return newest?.restoredId ?? newest?.databaseId ?? null;
}

/** The identity of this database, as the engine's context can tell it (`currentIdentity`). */
export function identityOf(ctx: EngineContext, records: ManifestRecord[]): string | null {
  return currentIdentity({ open: ctx.db?.isOpen ? ctx.db.sqlite : null, database: ctx.database, records });
}

/** A backup to restore, and the SHA-256 of its bytes when they passed the full check. */
export interface RestoreSource {
  record: ManifestRecord;
  checkedSha256: string;
  /**
   * Writes the database to restore at `target` (beside the live one) and proves it (the full check,
   * the trust rule), in place of copying `record`'s file there: a database built for the restore
   * (continuous protection's moment), not a backup in the folder.
   */
  build?: (target: string) => Promise<void>;
}

/**
 * `record` as a restore source: when it passed a full check as it is now (its hash then is its
 * hash now), at once — the restore hashes the copy it makes and refuses one that differs;
 * otherwise after a full check now. Null when it fails the check.
 */
async function asSource(ctx: EngineContext, record: ManifestRecord): Promise<RestoreSource | null> {
  const checked = passedFullCheck(record) ? record : await verifyRecord(ctx, record);
  if (!passedFullCheck(checked) || !checked.fullCheck) return null;
  return { record: checked, checkedSha256: checked.fullCheck.sha256 };
}

/**
 * The named backup as a restore source, an `incoming` file brought in as it first (never over another
 * backup of the name: `NameTakenError`); `BackupUnusableError` with the reason when it fails its check.
 */
export async function checkedSource(
  ctx: EngineContext,
  name: string,
  incoming?: RestoreOptions["incoming"],
): Promise<RestoreSource> {
  if (incoming) {
    // Looked at under the lock: the folder may have changed while the file was fetched.
    const meets = await compareIncoming(ctx.folder, name, incoming.about.sha256);
    if (meets === "taken") throw new NameTakenError(name);
    if (meets === "free") await bringIn(ctx.folder, incoming.temp, name, incoming.about);
  }
  const source = await asSource(ctx, ctx.folder.find(name));
  if (source) return source;
  const now = ctx.folder.find(name);
  throw new BackupUnusableError(name, now.reason ?? "it failed its check");
}

/**
 * The backup of this database with the newest data (`lineageOf`) that passes the full check,
 * skipping those already known damaged and safety copies of a damaged database;
 * `NoUsableBackupError` when none passes. Uploads and files copied in are never chosen here.
 */
export async function newestUsableSource(ctx: EngineContext): Promise<RestoreSource> {
  for (const record of emergencyCandidates(ctx)) {
    const source = await asSource(ctx, record);
    if (source) return source;
  }
  throw new NoUsableBackupError();
}

/**
 * The backups Emergency Restore tries, in order: this database's (`lineageOf`), newest data first,
 * not known damaged, not a safety copy of a damaged database. The first is what a confirmation
 * names; the restore takes it unless it fails its full check now.
 */
export function emergencyCandidates(ctx: EngineContext): ManifestRecord[] {
  const records = ctx.folder.list();
  return lineageOf(records, identityOf(ctx, records)).filter(
    (r) => r.health !== "damaged" && !r.sourceDamaged,
  );
}

/**
 * What a restore of a database built for it (`RestoreSource.build`) is told about its source: a
 * record of no backup in the folder, named by `label` ("the database as it was at …"), of about
 * `size` bytes.
 */
export function builtRecord(
  source: { label: string; size: number },
  by: string | null,
  now: Date,
): ManifestRecord {
  return {
    name: source.label,
    kind: "manual",
    createdAt: now.toISOString(),
    size: source.size,
    description: source.label,
    createdBy: by,
    health: "verified",
    sha256: null,
    checkedAt: now.toISOString(),
    reason: null,
    sourceDamaged: false,
  };
}
