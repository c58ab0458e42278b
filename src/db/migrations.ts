import type { MigrationMeta } from "drizzle-orm/migrator";
import { sha256Hex } from "../lib/hash.ts";
import m0000 from "./migrations/0000_auth.sql" with { type: "text" };
import m0001 from "./migrations/0001_database_identity.sql" with { type: "text" };
import journal from "./migrations/meta/_journal.json" with { type: "json" };

/**
 * The migrations written by drizzle-kit, embedded in the code so the compiled executable
 * migrates its database from any folder. Add each new `.sql` file here; a test fails when
 * the journal names a migration that this table lacks.
 */
export const MIGRATION_SQL: Record<string, string> = {
  "0000_auth": m0000,
  "0001_database_identity": m0001,
};

export interface JournalEntry {
  tag: string;
  when: number;
  breakpoints: boolean;
}

export const JOURNAL_ENTRIES: JournalEntry[] = journal.entries;

/** The journal's migrations in order, as Drizzle's migrator expects them. */
export function embeddedMigrations(): MigrationMeta[] {
  return JOURNAL_ENTRIES.map((entry) => {
    const text = MIGRATION_SQL[entry.tag];
    if (text === undefined) throw new Error(`Migration ${entry.tag} is in the journal but not embedded.`);
    return {
      sql: text.split("--> statement-breakpoint"),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: sha256Hex(text),
    };
  });
}

/** The time stamp of the newest migration this version of the app knows. */
export const LATEST_MIGRATION_MILLIS = Math.max(...JOURNAL_ENTRIES.map((e) => e.when));
