import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { embeddedMigrations, LATEST_MIGRATION_MILLIS } from "../../src/db/migrations.ts";
import { createOrm, migrate } from "../../src/db/open.ts";
import { hashToken } from "../../src/lib/tokens.ts";
import { seededRandom } from "../random.ts";

/**
 * A generator of backup files as an attacker, a careless tool or another SQLite could make them:
 * each variant starts as a real database of this app (migrated by the app's own migrator, with
 * users, a session and the shop's own table) on a base of its own (text encoding, page size,
 * auto_vacuum, application_id, user_version), then gets one to three mutations. A mutation is SQL
 * run by SQLite, or an edit of the stored schema itself (`PRAGMA writable_schema`, through the
 * `sqlite3` shell: bun:sqlite runs in defensive mode), which is how stored statement text comes to
 * differ from what a text match expects. Each mutation says what the trust rule must do with a
 * file that has it: accept it, refuse it, or either (SQLite's own check decides, and an accepted
 * file must still prove harmless).
 */

export type Expectation = "accept" | "refuse" | "either";

export interface Mutation {
  id: string;
  expect: Expectation;
  /** Run through bun:sqlite on the file. */
  sql?: string;
  /** Then run through the `sqlite3` shell with `writable_schema` on. */
  schema?: string;
}

export interface Base {
  encoding: "UTF-8" | "UTF-16le" | "UTF-16be";
  pageSize: number;
  autoVacuum: 0 | 1 | 2;
  applicationId: number;
  userVersion: number;
}

export interface Variant {
  label: string;
  base: Base;
  mutations: Mutation[];
  expect: Expectation;
}

/** The password of `boss`, the super administrator every variant holds. */
export const BOSS_PASSWORD = "long enough password";
/** The cookie a planted session tries to keep alive through a restore. */
export const PLANTED_TOKEN = "planted-session-token-of-an-attacker";
const FAR_FUTURE = Date.UTC(2099, 0, 1);
const PLANT = `INSERT OR IGNORE INTO sessions VALUES ('${hashToken(PLANTED_TOKEN)}', 1, 'csrf', 0, ${FAR_FUTURE}, ${FAR_FUTURE}, NULL)`;

/** The app's own index statements, to put one back after its name was given to something else. */
const APP_INDEXES: Record<string, string> = {
  audit_log_at: "CREATE INDEX `audit_log_at` ON `audit_log` (`at`)",
  sessions_user: "CREATE INDEX `sessions_user` ON `sessions` (`user_id`)",
  users_username_nocase: 'CREATE UNIQUE INDEX `users_username_nocase` ON `users` ("username" COLLATE NOCASE)',
};
const APP_INDEX_TABLE: Record<string, string> = {
  audit_log_at: "audit_log",
  sessions_user: "sessions",
  users_username_nocase: "users",
};

const sqlText = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Every mutation, by family. */
export const MUTATIONS: Mutation[] = [
  // Triggers: never accepted, whatever their name, table or spelling.
  {
    id: "trigger re-inserting a planted session",
    expect: "refuse",
    sql: `CREATE TRIGGER keep_session AFTER DELETE ON sessions BEGIN ${PLANT}; END`,
  },
  ...Object.keys(APP_INDEXES).map(
    (index): Mutation => ({
      id: `trigger named like the app's index ${index}`,
      expect: "refuse",
      sql: `DROP INDEX ${index}; CREATE TRIGGER ${index} AFTER DELETE ON ${APP_INDEX_TABLE[index]} BEGIN ${PLANT}; END; ${APP_INDEXES[index]}`,
    }),
  ),
  {
    id: "trigger undoing password changes",
    expect: "refuse",
    sql: "CREATE TRIGGER keep_password AFTER UPDATE OF password_hash ON users BEGIN UPDATE users SET password_hash = old.password_hash WHERE id = new.id; END",
  },
  {
    id: "trigger on the shop's table",
    expect: "refuse",
    sql: "CREATE TRIGGER items_spy AFTER INSERT ON items BEGIN DELETE FROM audit_log; END",
  },
  {
    id: "trigger named like an app table",
    expect: "refuse",
    sql: "CREATE TRIGGER users AFTER INSERT ON items BEGIN SELECT 1; END",
  },
  {
    id: "trigger named like the shop's table",
    expect: "refuse",
    sql: "CREATE TRIGGER items AFTER DELETE ON sessions BEGIN SELECT 1; END",
  },
  {
    id: "BEFORE trigger raising on sign-out",
    expect: "refuse",
    sql: "CREATE TRIGGER no_signout BEFORE DELETE ON sessions BEGIN SELECT RAISE(IGNORE); END",
  },
  {
    id: "trigger whose stored text is spelled with a comment",
    expect: "refuse",
    sql: `CREATE TRIGGER respelled AFTER DELETE ON sessions BEGIN ${PLANT}; END`,
    schema: `UPDATE sqlite_schema SET sql = ${sqlText(`create/**/TRIGGER "respelled" after delete on sessions begin ${PLANT}; end`)} WHERE name = 'respelled'`,
  },
  {
    id: "trigger stored as a lower-case statement over several lines",
    expect: "refuse",
    sql: `CREATE TRIGGER lower_case AFTER DELETE ON sessions BEGIN ${PLANT}; END`,
    schema: `UPDATE sqlite_schema SET sql = ${sqlText(`create\n\ttrigger lower_case\nafter delete on sessions begin ${PLANT}; end`)} WHERE name = 'lower_case'`,
  },
  // Views.
  { id: "view", expect: "refuse", sql: "CREATE VIEW user_names AS SELECT username FROM users" },
  {
    id: "view reading a pragma",
    expect: "refuse",
    sql: "CREATE VIEW tables_view AS SELECT * FROM pragma_table_list",
  },
  {
    id: "view whose stored text is spelled with a comment",
    expect: "refuse",
    sql: "CREATE VIEW respelled_view AS SELECT 1 AS x",
    schema: `UPDATE sqlite_schema SET sql = ${sqlText("CREATE/*x*/VIEW respelled_view AS SELECT 1 AS x")} WHERE name = 'respelled_view'`,
  },
  // Virtual tables, however their statement is spelled.
  {
    id: "FTS5 table",
    expect: "refuse",
    sql: "CREATE VIRTUAL TABLE notes_fts USING fts5(body); INSERT INTO notes_fts VALUES ('hello')",
  },
  {
    id: "FTS4 table",
    expect: "refuse",
    sql: "CREATE VIRTUAL TABLE notes_fts4 USING fts4(body); INSERT INTO notes_fts4 VALUES ('hello')",
  },
  {
    id: "R*Tree table",
    expect: "refuse",
    sql: "CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1); INSERT INTO boxes VALUES (1, 0, 1)",
  },
  { id: "geopoly table", expect: "refuse", sql: "CREATE VIRTUAL TABLE shapes USING geopoly(name)" },
  {
    id: "FTS5 table stored as CREATE VIRTUAL/**/TABLE",
    expect: "refuse",
    sql: "CREATE VIRTUAL TABLE ft_comment USING fts5(a); INSERT INTO ft_comment VALUES ('x')",
    schema: `UPDATE sqlite_schema SET sql = ${sqlText("CREATE VIRTUAL/**/TABLE ft_comment USING fts5(a)")} WHERE name = 'ft_comment'`,
  },
  {
    id: "R*Tree table stored as VIRTUAL--x⏎TABLE",
    expect: "refuse",
    sql: "CREATE VIRTUAL TABLE rt_line USING rtree(id, a, b)",
    schema: `UPDATE sqlite_schema SET sql = ${sqlText("CREATE VIRTUAL--x\nTABLE rt_line USING rtree(id, a, b)")} WHERE name = 'rt_line'`,
  },
  {
    id: "FTS5 table stored in lower case with a quoted name",
    expect: "refuse",
    sql: 'CREATE VIRTUAL TABLE "ft quoted" USING fts5(a)',
    schema: `UPDATE sqlite_schema SET sql = ${sqlText('create virtual table "ft quoted" using fts5(a)')} WHERE name = 'ft quoted'`,
  },
  {
    id: "FTS5 shadow tables left without their virtual table",
    expect: "either",
    sql: "CREATE VIRTUAL TABLE orphan_fts USING fts5(a); INSERT INTO orphan_fts VALUES ('x')",
    schema: "DELETE FROM sqlite_schema WHERE name = 'orphan_fts'",
  },
  // Generated columns.
  {
    id: "generated column (virtual)",
    expect: "refuse",
    sql: "CREATE TABLE shout (a TEXT, b AS (upper(a))); INSERT INTO shout (a) VALUES ('x')",
  },
  {
    id: "generated column (stored)",
    expect: "refuse",
    sql: "CREATE TABLE sized (a TEXT, n INT AS (length(a)) STORED); INSERT INTO sized (a) VALUES ('abc')",
  },
  {
    id: "generated column added to the shop's table",
    expect: "refuse",
    sql: "ALTER TABLE items ADD COLUMN loud AS (upper(name))",
  },
  // Expressions in the shop's own tables: data, judged harmless (trusted_schema=OFF; rebuilt without them).
  {
    id: "DEFAULT and CHECK expressions calling functions",
    expect: "accept",
    sql: "CREATE TABLE notes (body TEXT DEFAULT (lower('HELLO')) CHECK (length(body) < 1000), at INTEGER DEFAULT (unixepoch()), doc TEXT CHECK (doc IS NULL OR json_valid(doc))); INSERT INTO notes (doc) VALUES ('{}')",
  },
  // Indexes of the shop's tables.
  { id: "plain index", expect: "accept", sql: "CREATE INDEX items_name ON items (name)" },
  { id: "unique index", expect: "accept", sql: "CREATE UNIQUE INDEX items_code ON items (code)" },
  {
    id: "index with collations and DESC",
    expect: "accept",
    sql: "CREATE INDEX items_sorted ON items (name COLLATE NOCASE DESC, price DESC, code COLLATE RTRIM)",
  },
  { id: "expression index", expect: "refuse", sql: "CREATE INDEX items_lower ON items (lower(name))" },
  { id: "partial index", expect: "refuse", sql: "CREATE INDEX items_priced ON items (name) WHERE price > 0" },
  {
    id: "index stored with another table name",
    expect: "refuse",
    sql: "CREATE INDEX items_price ON items (price)",
    schema: "UPDATE sqlite_schema SET tbl_name = 'audit_log' WHERE name = 'items_price'",
  },
  // Indexes of the app's tables.
  { id: "extra index on an app table", expect: "refuse", sql: "CREATE INDEX users_role ON users (role)" },
  {
    id: "expression index on an app table",
    expect: "refuse",
    sql: "CREATE INDEX users_lower ON users (lower(username))",
  },
  {
    id: "unique index on an app table",
    expect: "refuse",
    sql: "CREATE UNIQUE INDEX sessions_csrf ON sessions (csrf_token)",
  },
  // SQLite's own statistics: plain data.
  { id: "ANALYZE statistics", expect: "accept", sql: "ANALYZE" },
  {
    id: "hand-made sqlite_stat1 rows",
    expect: "accept",
    sql: "ANALYZE; INSERT INTO sqlite_stat1 VALUES ('users', 'users_username_nocase', '1000000 1 unordered')",
  },
  {
    id: "a sqlite_stat4 table made by hand",
    expect: "either",
    sql: "CREATE TABLE x_stat4 (tbl, idx, neq, nlt, ndlt, sample)",
    schema:
      "UPDATE sqlite_schema SET name = 'sqlite_stat4', tbl_name = 'sqlite_stat4', sql = 'CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)' WHERE name = 'x_stat4'",
  },
  {
    id: "table with a name reserved for SQLite",
    expect: "refuse",
    sql: "CREATE TABLE x_reserved (a)",
    schema:
      "UPDATE sqlite_schema SET name = 'sqlite_mine', tbl_name = 'sqlite_mine', sql = 'CREATE TABLE sqlite_mine (a)' WHERE name = 'x_reserved'",
  },
  // Shapes of the shop's own tables.
  {
    id: "WITHOUT ROWID table",
    expect: "accept",
    sql: "CREATE TABLE codes (code TEXT PRIMARY KEY, n INT) WITHOUT ROWID; INSERT INTO codes VALUES ('b', 2), ('a', 1)",
  },
  {
    id: "STRICT table",
    expect: "accept",
    sql: "CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INT NOT NULL, memo TEXT, raw BLOB, other ANY) STRICT; INSERT INTO ledger VALUES (7, 100, 'x', x'00ff', 1.5)",
  },
  {
    id: "STRICT WITHOUT ROWID table",
    expect: "accept",
    sql: "CREATE TABLE stock (sku TEXT PRIMARY KEY, qty INTEGER NOT NULL) STRICT, WITHOUT ROWID; INSERT INTO stock VALUES ('s1', 3)",
  },
  {
    id: "composite key",
    expect: "accept",
    sql: "CREATE TABLE pairs (a TEXT, b INT, c, PRIMARY KEY (a DESC, b)); INSERT INTO pairs VALUES ('x', 1, NULL), ('x', 2, 'y')",
  },
  {
    id: "INTEGER PRIMARY KEY DESC (not the rowid)",
    expect: "accept",
    sql: "CREATE TABLE odd (id INTEGER PRIMARY KEY DESC, v); INSERT INTO odd (rowid, id, v) VALUES (50, 1, 'a'), (9, 2, 'b')",
  },
  {
    id: "columns named rowid, oid and _rowid_",
    expect: "accept",
    sql: `CREATE TABLE tricky ("rowid" TEXT, oid INT, _rowid_ REAL, v); INSERT INTO tricky VALUES ('r', 1, 2.5, x'01')`,
  },
  {
    id: "names with quotes, spaces and letters beyond ASCII",
    expect: "accept",
    sql: `CREATE TABLE "Lager ""Ü"" 2" ("Spalte ä" TEXT UNIQUE, "x""y" INT); CREATE INDEX "idx ""q""" ON "Lager ""Ü"" 2" ("x""y"); INSERT INTO "Lager ""Ü"" 2" VALUES ('ä', 1)`,
  },
  {
    id: "AUTOINCREMENT table",
    expect: "accept",
    sql: "CREATE TABLE seqd (id INTEGER PRIMARY KEY AUTOINCREMENT, v); INSERT INTO seqd (v) VALUES (1), (2), (3); DELETE FROM seqd WHERE id = 3",
  },
  {
    id: "rows with gaps in their rowids",
    expect: "accept",
    sql: "CREATE TABLE gaps (v TEXT); INSERT INTO gaps (rowid, v) VALUES (5, 'a'), (1000000, 'b'), (-3, 'c')",
  },
  {
    id: "foreign keys among the shop's tables",
    expect: "accept",
    sql: "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (pid INTEGER REFERENCES parent(id) ON DELETE CASCADE); INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1)",
  },
  {
    id: "foreign key to an app table",
    expect: "refuse",
    sql: "CREATE TABLE owner (uid INTEGER REFERENCES users(id) ON DELETE CASCADE); INSERT INTO owner VALUES (1)",
  },
  {
    id: "foreign key to an app table in other letter case",
    expect: "refuse",
    sql: "CREATE TABLE blocker (sid TEXT REFERENCES SESSIONS(token_hash)); INSERT INTO blocker VALUES ('carried-in')",
  },
  {
    id: "types of every affinity",
    expect: "accept",
    sql: "CREATE TABLE typed (a VARCHAR(20), b DOUBLE PRECISION, c BIGINT, d DECIMAL(10,2), e CLOB, f, g BOOLEAN, h DATETIME); INSERT INTO typed VALUES ('t', 1.5, 9007199254740993, '12.50', 'clob', x'00', 1, '2025-01-01')",
  },
  // The app's own objects changed.
  {
    id: "an app table with an extra column",
    expect: "refuse",
    sql: "ALTER TABLE users ADD COLUMN nickname TEXT",
  },
  {
    id: "an app table lacking a column",
    expect: "refuse",
    sql: "ALTER TABLE users DROP COLUMN last_login_at",
  },
  { id: "an app index dropped", expect: "refuse", sql: "DROP INDEX audit_log_at" },
  {
    id: "an app index dropped and made again as it was",
    expect: "accept",
    sql: `DROP INDEX sessions_user; ${APP_INDEXES.sessions_user}`,
  },
  { id: "an app table renamed", expect: "refuse", sql: "ALTER TABLE audit_log RENAME TO audit_old" },
  {
    id: "an app table's stored statement with one more space",
    expect: "refuse",
    schema:
      "UPDATE sqlite_schema SET sql = replace(sql, 'CREATE TABLE `users`', 'CREATE TABLE  `users`') WHERE name = 'users'",
  },
  {
    id: "an app index's stored statement in lower case",
    expect: "refuse",
    schema: "UPDATE sqlite_schema SET sql = lower(sql) WHERE name = 'audit_log_at'",
  },
  {
    id: "an app index stored under another table",
    expect: "refuse",
    schema: "UPDATE sqlite_schema SET tbl_name = 'items' WHERE name = 'sessions_user'",
  },
  {
    id: "a constraint added to an app table's stored statement",
    expect: "refuse",
    schema:
      "UPDATE sqlite_schema SET sql = replace(sql, '`role` text NOT NULL', '`role` text NOT NULL CHECK (role <> ''user'')') WHERE name = 'users'",
  },
  // Names given twice.
  {
    id: "a second schema row with the name of an app table",
    expect: "refuse",
    schema:
      "INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) VALUES ('trigger', 'users', 'sessions', 0, 'CREATE TRIGGER users AFTER DELETE ON sessions BEGIN SELECT 1; END')",
  },
  // The migration history.
  {
    id: "a migration history with another hash",
    expect: "refuse",
    sql: "UPDATE __drizzle_migrations SET hash = 'not-ours'",
  },
  {
    id: "a migration of a newer version",
    expect: "refuse",
    sql: `INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('next', ${LATEST_MIGRATION_MILLIS + 1000})`,
  },
  { id: "an empty migration history", expect: "refuse", sql: "DELETE FROM __drizzle_migrations" },
  { id: "no migration history", expect: "refuse", sql: "DROP TABLE __drizzle_migrations" },
  {
    id: "a migration history that is a view",
    expect: "refuse",
    sql: "CREATE TABLE kept AS SELECT * FROM __drizzle_migrations; DROP TABLE __drizzle_migrations; CREATE VIEW __drizzle_migrations AS SELECT * FROM kept",
  },
  {
    id: "a migration history that is a virtual table",
    expect: "refuse",
    sql: "CREATE TABLE kept2 AS SELECT * FROM __drizzle_migrations; DROP TABLE __drizzle_migrations; CREATE VIRTUAL TABLE __drizzle_migrations USING fts5(id, hash, created_at); INSERT INTO __drizzle_migrations SELECT * FROM kept2",
  },
  {
    id: "a migration history with a generated column",
    expect: "refuse",
    schema:
      "UPDATE sqlite_schema SET sql = 'CREATE TABLE \"__drizzle_migrations\" (id SERIAL PRIMARY KEY, hash text NOT NULL AS (hex(zeroblob(1000))) VIRTUAL, created_at numeric)' WHERE name = '__drizzle_migrations'",
  },
  // Numbers the app cannot count exactly.
  {
    id: "an AUTOINCREMENT counter beyond 2^53",
    expect: "refuse",
    sql: "UPDATE sqlite_sequence SET seq = 9007199254740991 WHERE name = 'users'",
  },
  {
    id: "a user id beyond 2^53",
    expect: "refuse",
    sql: "INSERT INTO users (id, username, password_hash, role, created_at, updated_at) VALUES (9007199254740993, 'twin', 'h', 'user', 0, 0)",
  },
  // Storage swapped under the names.
  {
    id: "two app tables' storage swapped",
    expect: "either",
    schema:
      "UPDATE sqlite_schema SET rootpage = CASE name WHEN 'users' THEN (SELECT rootpage FROM sqlite_schema WHERE name = 'audit_log') WHEN 'audit_log' THEN (SELECT rootpage FROM sqlite_schema WHERE name = 'users') ELSE rootpage END WHERE name IN ('users', 'audit_log')",
  },
  {
    id: "a trigger row stored as an index",
    expect: "refuse",
    sql: "CREATE TRIGGER as_index AFTER DELETE ON sessions BEGIN SELECT 1; END",
    schema: "UPDATE sqlite_schema SET type = 'index' WHERE name = 'as_index'",
  },
];

export const DEFAULT_BASE: Base = {
  encoding: "UTF-8",
  pageSize: 4096,
  autoVacuum: 0,
  applicationId: 0,
  userVersion: 0,
};

const combined = (mutations: Mutation[]): Expectation =>
  mutations.some((m) => m.expect === "refuse")
    ? "refuse"
    : mutations.some((m) => m.expect === "either")
      ? "either"
      : "accept";

/**
 * The variants, without end: every mutation alone on the plain base; every base (encodings, page
 * sizes, auto_vacuum, application_id, user_version) with one mutation; then random pairs and
 * triples.
 */
export function* variants(seed: number): Generator<Variant> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const randomBase = (): Base => ({
    encoding: pick(["UTF-8", "UTF-16le", "UTF-16be"] as const),
    pageSize: pick([512, 1024, 4096, 8192, 65536]),
    autoVacuum: pick([0, 1, 2] as const),
    applicationId: pick([0, 0x42414e4b, -1]),
    userVersion: pick([0, 7, 2147483647]),
  });
  for (const m of MUTATIONS) yield { label: m.id, base: DEFAULT_BASE, mutations: [m], expect: m.expect };
  for (const encoding of ["UTF-8", "UTF-16le", "UTF-16be"] as const) {
    for (const pageSize of [512, 1024, 4096, 65536]) {
      for (const autoVacuum of [0, 1, 2] as const) {
        const base = { ...randomBase(), encoding, pageSize, autoVacuum };
        const mutation = pick(MUTATIONS);
        yield {
          label: `${mutation.id} (on ${describeBase(base)})`,
          base,
          mutations: [mutation],
          expect: mutation.expect,
        };
      }
    }
  }
  // A third of the combinations only of mutations that leave a file acceptable: what is restored
  // must prove harmless, and those are the variants that can fail that way.
  const benign = MUTATIONS.filter((m) => m.expect !== "refuse");
  while (true) {
    const size = 2 + Math.floor(random() * 2);
    const from = random() < 0.35 ? benign : MUTATIONS;
    const chosen: Mutation[] = [];
    while (chosen.length < size) {
      const m = pick(from);
      if (!chosen.includes(m)) chosen.push(m);
    }
    const base = random() < 0.5 ? DEFAULT_BASE : randomBase();
    yield {
      label: `${chosen.map((m) => m.id).join(" + ")} (on ${describeBase(base)})`,
      base,
      mutations: chosen,
      expect: combined(chosen),
    };
  }
}

export function describeBase(base: Base): string {
  return `${base.encoding}, ${base.pageSize}-byte pages, auto_vacuum ${base.autoVacuum}, application_id ${base.applicationId}, user_version ${base.userVersion}`;
}

/**
 * Writes `variant` at `path` (a rollback-journal SQLite file, as a backup is). Returns false when
 * its mutations cannot be made together (two that take the same name): such a variant is skipped.
 */
export function writeVariant(variant: Variant, path: string, bossHash: string): boolean {
  rmSync(path, { force: true });
  const db = new Database(path, { create: true });
  try {
    const { base } = variant;
    db.run(`PRAGMA page_size = ${base.pageSize}`);
    db.run(`PRAGMA encoding = '${base.encoding}'`);
    db.run(`PRAGMA auto_vacuum = ${base.autoVacuum}`);
    db.run("PRAGMA journal_mode = DELETE");
    migrate(createOrm(db), embeddedMigrations());
    db.run(
      "INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES ('boss', ?, 'super_admin', 0, 0), ('clerk', 'x', 'user', 0, 0)",
      [bossHash],
    );
    db.run("INSERT INTO sessions VALUES ('carried-in', 1, 'csrf', 0, 0, ?, NULL)", [FAR_FUTURE]);
    db.run("INSERT INTO audit_log (at, action, outcome) VALUES (1, 'sign-in', 'success')");
    db.run(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, code TEXT, photo BLOB)",
    );
    db.run(
      "INSERT INTO items (name, price, code, photo) VALUES ('apples', 1.25, 'A1', x'00ff00'), ('Äpfel ünïcødé 🍎', NULL, 'A2', NULL), ('pears', -3, NULL, randomblob(3000))",
    );
    db.run(`PRAGMA application_id = ${base.applicationId}`);
    db.run(`PRAGMA user_version = ${base.userVersion}`);
    for (const mutation of variant.mutations) {
      if (mutation.sql) db.run(mutation.sql);
    }
  } catch {
    return false;
  } finally {
    db.close();
  }
  const edits = variant.mutations.filter((m) => m.schema).map((m) => m.schema);
  if (edits.length === 0) return true;
  const shell = Bun.spawnSync(["sqlite3", path], {
    stdin: new TextEncoder().encode(
      `PRAGMA writable_schema = ON;\n${edits.join(";\n")};\nPRAGMA writable_schema = OFF;\n`,
    ),
  });
  return shell.exitCode === 0 && shell.stderr.toString().trim() === "";
}
