import { statSync } from "node:fs";
import type { App } from "../../app.ts";
import { dataTimeOf, lineageOf } from "../../backup/index.ts";
import { describeError } from "../../lib/errors.ts";
import { formatLogTime } from "../../lib/time.ts";
import type { RemoteCopy } from "../../offsite/copies/copies.ts";
import type { TargetId } from "../../offsite/places/target.ts";

/** The app's own tables: their rows are not "the shop's rows" a person recognises. */
const APP_TABLES = new Set(["users", "sessions", "audit_log", "database_identity"]);

/** A backup as the sentence names it. */
interface Found {
  name: string;
  dataAt: string;
  rowCounts?: Record<string, number> | undefined;
  /** Where it is when not in the backup folder ("in S3"). */
  where: string | null;
}

/** "(3 users, 1,234 rows)" from a backup's row counts; "" when they are not known. */
function contentsOf(rowCounts: Record<string, number> | undefined): string {
  if (!rowCounts) return "";
  const users = rowCounts.users ?? 0;
  const rows = Object.entries(rowCounts)
    .filter(([table]) => !APP_TABLES.has(table))
    .reduce((sum, [, n]) => sum + n, 0);
  return ` (${users === 1 ? "1 user" : `${users} users`}, ${rows === 1 ? "1 row" : `${rows.toLocaleString("en-US")} rows`})`;
}

/** The sentence the app and the command line say of a missing database, naming the backup to restore. */
export function missingSentence(found: Found): string {
  const where = found.where ? `, ${found.where}` : "";
  return `The database file is missing. The newest good backup is ${found.name} from ${formatLogTime(new Date(found.dataAt))}${where}${contentsOf(found.rowCounts)}. Restore it.`;
}

/** True when the database file is not there, or is empty (0 bytes: a file a tool truncated). */
export function databaseIsMissing(path: string): boolean {
  try {
    return statSync(path).size === 0;
  } catch {
    return true;
  }
}

/** A missing database, said: the sentence, and where the backup it names is. */
export interface MissingDatabase {
  sentence: string;
  /** "here" (the backup folder), the place (`restore --latest --from`), or null: the passphrase comes first. */
  from: "here" | TargetId | null;
}

/**
 * When the database file is missing (or empty) while a good backup exists — in the backup folder,
 * or, when off-site copies are set up, in a place (each looked at within its bounds) — the
 * sentence that says so and names the newest one; null when the database is there, or when there
 * is no backup at all (a new installation, which starts with an empty database). The app then
 * starts in recovery mode and the command line refuses: an empty database never replaces a
 * shop's data silently.
 */
export async function missingDatabase(app: App): Promise<MissingDatabase | null> {
  if (!databaseIsMissing(app.paths.database)) return null;
  const records = app.engine.list();
  // This database's newest (what Emergency Restore would put back), else any good backup.
  const local = lineageOf(
    records.filter((r) => r.health !== "damaged" && !r.sourceDamaged),
    app.engine.identity(),
  )[0];
  if (local)
    return {
      sentence: missingSentence({
        name: local.name,
        dataAt: dataTimeOf(local),
        rowCounts: local.rowCounts,
        where: null,
      }),
      from: "here",
    };
  const any = records.find((r) => r.health !== "damaged");
  if (any)
    return {
      sentence: missingSentence({ name: any.name, dataAt: dataTimeOf(any), where: null }),
      from: "here",
    };
  for (const target of app.offsite.targets()) {
    let copies: RemoteCopy[];
    try {
      copies = await app.offsite.contents(target.id, "latest");
    } catch (error) {
      app.log.warning(`Looking for off-site copies in ${target.label} failed: ${describeError(error)}`);
      continue;
    }
    const newest = lineageOf(copies, null)[0] ?? copies[0];
    // Encrypted, and no passphrase here: that comes first, and why.
    if (newest?.encrypted && !app.offsite.encrypted)
      return {
        from: null,
        sentence: `The database file is missing. The newest backup is ${newest.name} from ${formatLogTime(new Date(dataTimeOf(newest)))}, in ${target.label}, encrypted: set the passphrase it was made with (offsite_passphrase in the settings file, or BUSINESS_APP_OFFSITE_PASSPHRASE) and start BusinessApp again to restore it.`,
      };
    if (newest)
      return {
        sentence: missingSentence({
          name: newest.name,
          dataAt: dataTimeOf(newest),
          rowCounts: newest.proven ? (newest.rowCounts ?? undefined) : undefined,
          where: `in ${target.label}`,
        }),
        from: target.id,
      };
  }
  return null;
}
