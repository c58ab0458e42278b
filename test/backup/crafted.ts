import { Database } from "bun:sqlite";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { LATEST_MIGRATION_MILLIS } from "../../src/db/migrations.ts";
import { hashToken } from "../../src/lib/tokens.ts";
import { tempDir } from "../helpers.ts";

/** The cookie a crafted backup tries to keep alive through a restore. */
export const PLANTED_TOKEN = "planted-session-token-of-an-attacker";

const FAR_FUTURE = Date.UTC(2099, 0, 1);

/**
 * Backup files as an attacker or a careless tool would make them: each starts as a real
 * database of this app (migrated by the app itself, holding a user and a session) and is then
 * changed by `sql`. `reason` is what the trust rule must say; null for a file it accepts.
 */
export const CRAFTED_CASES = [
  {
    name: "session_trigger",
    what: "a trigger that re-inserts a planted session whenever sessions are deleted",
    sql: `CREATE TRIGGER keep_session AFTER DELETE ON sessions BEGIN
      INSERT OR IGNORE INTO sessions VALUES ('${hashToken(PLANTED_TOKEN)}', 1, 'csrf', 0, ${FAR_FUTURE}, ${FAR_FUTURE}, NULL);
    END`,
    reason: "trigger `keep_session` is not part of BusinessApp's schema",
  },
  {
    name: "trigger_named_like_index",
    what: "a trigger that shares its name with one of the app's indexes",
    sql: `DROP INDEX sessions_user;
      CREATE TRIGGER sessions_user AFTER DELETE ON sessions BEGIN
        INSERT OR IGNORE INTO sessions VALUES ('${hashToken(PLANTED_TOKEN)}', 1, 'csrf', 0, ${FAR_FUTURE}, ${FAR_FUTURE}, NULL);
      END;
      CREATE INDEX \`sessions_user\` ON \`sessions\` (\`user_id\`);`,
    reason: "the name `sessions_user` is given to more than one object (trigger, index)",
  },
  {
    name: "password_trigger",
    what: "a trigger that undoes every password change",
    sql: `CREATE TRIGGER keep_password AFTER UPDATE OF password_hash ON users BEGIN
      UPDATE users SET password_hash = old.password_hash WHERE id = new.id;
    END`,
    reason: "trigger `keep_password` is not part of BusinessApp's schema",
  },
  {
    name: "items_trigger",
    what: "a trigger on the shop's own table",
    sql: `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TRIGGER items_spy AFTER INSERT ON items BEGIN DELETE FROM audit_log; END`,
    reason: "trigger `items_spy` is not part of BusinessApp's schema",
  },
  {
    name: "users_lacks_column",
    what: "a users table lacking a column",
    sql: "ALTER TABLE users DROP COLUMN last_login_at",
    reason: "table `users` lacks column `last_login_at`",
  },
  {
    name: "changed_type",
    what: "a column of another type",
    sql: "",
    edit: { table: "users", from: "`password_hash` text NOT NULL", to: "`password_hash` blob NOT NULL" },
    reason: "column `users.password_hash` is declared BLOB, not TEXT",
  },
  {
    name: "added_check",
    what: "an app table with a constraint of its own",
    sql: "",
    edit: { table: "users", from: "`role` text NOT NULL", to: "`role` text NOT NULL CHECK (role <> 'user')" },
    reason: "table `users` is defined differently from BusinessApp's (its constraints differ)",
  },
  {
    name: "extra_view",
    what: "a view",
    sql: "CREATE VIEW user_names AS SELECT username FROM users",
    reason: "view `user_names` is not part of BusinessApp's schema",
  },
  {
    name: "virtual_table",
    what: "a virtual table (FTS5)",
    sql: "CREATE VIRTUAL TABLE notes USING fts5(body)",
    reason: "table `notes` is a virtual table, which is not part of BusinessApp's schema",
  },
  {
    name: "app_table_index",
    what: "an extra index on an app table",
    sql: "CREATE INDEX users_role ON users (role)",
    reason: "index `users_role` on table `users` is not part of BusinessApp's schema",
  },
  {
    name: "changed_index",
    what: "an app index with another definition",
    sql: "DROP INDEX audit_log_at; CREATE INDEX audit_log_at ON audit_log (action)",
    reason: "index `audit_log_at` differs from BusinessApp's",
  },
  {
    name: "migration_hash",
    what: "a migration history with another hash",
    sql: "UPDATE __drizzle_migrations SET hash = 'not-this-apps-migration'",
    reason: "its migration history is not BusinessApp's (migration `0000_auth` differs)",
  },
  {
    name: "newer_migration",
    what: "a migration of a newer version",
    sql: `INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('next', ${LATEST_MIGRATION_MILLIS + 1000})`,
    reason: "it was made by a newer version of BusinessApp; update the app first",
  },
  {
    name: "counter_beyond",
    what: "an AUTOINCREMENT counter set beyond what JavaScript counts exactly",
    sql: "UPDATE sqlite_sequence SET seq = 9007199254740991 WHERE name = 'users'",
    reason: "the AUTOINCREMENT counter of `users` is not a number BusinessApp can count to",
  },
  {
    name: "id_beyond",
    what: "a user whose id is beyond what JavaScript counts exactly",
    sql: "INSERT INTO users (id, username, password_hash, role, created_at, updated_at) VALUES (9007199254740993, 'twin', 'h', 'user', 0, 0)",
    reason:
      "column `users.id` holds numbers too large for BusinessApp; the AUTOINCREMENT counter of `users` is not a number BusinessApp can count to",
  },
  {
    name: "shop_items",
    what: "the shop's own plain table with its own index",
    sql: `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
      CREATE INDEX items_name ON items (name);
      INSERT INTO items (name) VALUES ('apples');`,
    reason: null,
  },
] as const;

export type CraftedCase = (typeof CRAFTED_CASES)[number];

export function craftedCase(name: CraftedCase["name"]): CraftedCase {
  return CRAFTED_CASES.find((c) => c.name === name) as CraftedCase;
}

/**
 * Makes `table` anew from its stored CREATE statement with `from` replaced by `to`, keeping its
 * rows and indexes: what a tool that "edits a table" does to a file.
 */
function rewriteTable(db: Database, edit: { table: string; from: string; to: string }): void {
  const { table, from, to } = edit;
  const row = db.query<{ sql: string }, [string]>("SELECT sql FROM sqlite_master WHERE name = ?").get(table);
  const indexes = db
    .query<{ sql: string }, [string]>(
      "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
    )
    .all(table);
  db.run(`CREATE TEMP TABLE kept AS SELECT * FROM "${table}"`);
  db.run(`DROP TABLE "${table}"`);
  db.run((row?.sql ?? "").replace(from, to));
  db.run(`INSERT INTO "${table}" SELECT * FROM kept`);
  for (const index of indexes) db.run(index.sql);
  db.run("DROP TABLE kept");
}

/**
 * Writes the crafted backup file of `which` (a plain rollback-journal SQLite file, as a backup
 * is) and returns its path; `copyTo` also puts a copy there (a backup folder, under `NAME.db`).
 */
export function craftBackup(which: CraftedCase, copyTo?: string): string {
  const path = join(tempDir("business-app-crafted-"), `${which.name}.db`);
  const handle = new DatabaseHandle(path);
  handle.open();
  handle.sqlite.run(
    "INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('boss', 'old-hash', 'super_admin', 0, 0)",
  );
  handle.sqlite.run("INSERT INTO sessions VALUES ('carried-in', 1, 'csrf', 0, 0, ?, NULL)", [FAR_FUTURE]);
  handle.close();
  const db = new Database(path);
  db.run("PRAGMA journal_mode = DELETE");
  if ("edit" in which) rewriteTable(db, which.edit);
  else db.run(which.sql);
  db.close();
  if (copyTo) copyFileSync(path, join(copyTo, `${which.name}.db`));
  return path;
}
