import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashPassword } from "../../src/auth/passwords.ts";
import { signIn } from "../../src/auth/sign-in.ts";
import { BackupUnusableError } from "../../src/backup/errors.ts";
import { checkRestorable } from "../../src/backup/inspect/trust.ts";
import { DatabaseHandle } from "../../src/db/handle.ts";
import { hashToken } from "../../src/lib/tokens.ts";
import type { SqlDatabase } from "../../src/runtime/types.ts";
import { tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { makeSetup } from "./fixtures.ts";
import { BOSS_PASSWORD, PLANTED_TOKEN, type Variant, variants, writeVariant } from "./variants.ts";

/**
 * The trust rule searched rather than shown cases: generated backup files (`variants.ts`), each
 * either refused — by the check and by a restore, with nothing changed — or restored and then
 * proven harmless in the live database, both as a foreign file (rebuilt) and as if the app had
 * made it (put in place as it is). What a variant must get is the generator's, not the rule's.
 * TRUST_SEED repeats a run; TRUST_VARIANTS sets how many.
 */
const SEED = Number(process.env.TRUST_SEED ?? Math.floor(Math.random() * 2 ** 31));
const COUNT = Number(process.env.TRUST_VARIANTS ?? 100);
/** Every this many refused variants, a restore is tried too (the same check, through the engine). */
const RESTORE_EVERY = 8;

type Row = { type: string; name: string; tbl_name: string; sql: string | null };

/** The app's schema as a fresh database of this version holds it: the oracle, made apart from the rule. */
function appSchemaRows(): Row[] {
  const handle = new DatabaseHandle(join(tempDir(), "fresh.db"));
  handle.open();
  try {
    return handle.sqlite.query<Row, []>("SELECT type, name, tbl_name, sql FROM sqlite_schema").all();
  } finally {
    handle.close();
  }
}

/** Every row of every table of the shop's and the app's (not SQLite's, not the migrator's), as text. */
function contentOf(db: SqlDatabase | Database): Record<string, string[]> {
  const names = (db as SqlDatabase)
    .query<{ name: string }, []>(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> '__drizzle_migrations'",
    )
    .all()
    .map((r) => r.name);
  const content: Record<string, string[]> = {};
  for (const name of names) {
    const rows = (db as SqlDatabase).query(`SELECT * FROM "${name.replaceAll('"', '""')}"`).values();
    content[name] = rows
      .map((row) =>
        JSON.stringify(
          row.map((v) => (v instanceof Uint8Array ? `blob:${Buffer.from(v).toString("hex")}` : String(v))),
        ),
      )
      .sort();
  }
  return content;
}

function fileContent(path: string): Record<string, string[]> {
  const db = new Database(path, { readonly: true });
  try {
    return contentOf(db);
  } finally {
    db.close();
  }
}

describe.skipIf(missing("sqlite3"))("the trust rule, searched", () => {
  test(`${COUNT} generated backup files: each refused, or restored and proven harmless (TRUST_SEED=${SEED})`, async () => {
    const setup = makeSetup();
    const { app, engine, db, paths } = setup;
    const { auth } = app;
    const appRows = appSchemaRows();
    const bossHash = await hashPassword(BOSS_PASSWORD);
    const scratch = tempDir("business-app-variants-");
    const failures: string[] = [];
    const tally = { refused: 0, accepted: 0, skipped: 0 };

    /**
     * What must hold of the live database after a variant was restored into it: its schema, its
     * rows, sessions that end. With `behaviour`, also that a password reset, signing in and a
     * backup behave (argon2id and a worker take a while: each accepted variant gets them on one
     * of its two restores, taken in turn).
     */
    async function proveHarmless(
      variant: Variant,
      sent: Record<string, string[]>,
      how: string,
      behaviour: boolean,
    ) {
      const problems: string[] = [];
      const live = db.sqlite;
      const rows = live.query<Row, []>("SELECT type, name, tbl_name, sql FROM sqlite_schema").all();
      for (const row of rows) {
        if (row.type === "trigger" || row.type === "view")
          problems.push(`a ${row.type} \`${row.name}\` is live`);
      }
      for (const want of appRows) {
        if (!rows.some((r) => JSON.stringify(r) === JSON.stringify(want)))
          problems.push(`the app's ${want.name} differs`);
      }
      const kinds = live
        .query<{ name: string; type: string }, []>(
          "SELECT name, type FROM pragma_table_list WHERE schema = 'main'",
        )
        .all();
      for (const kind of kinds) {
        if (kind.type !== "table") problems.push(`table \`${kind.name}\` is ${kind.type}`);
        else if (
          live.query(`SELECT 1 FROM pragma_table_xinfo(?) WHERE hidden <> 0`).all(kind.name).length > 0
        )
          problems.push(`table \`${kind.name}\` has a generated column`);
      }
      // Every row as it was sent; but sessions (a restore ends them all), the audit trail (its
      // entries move into business_audit.db, which no restore reaches), and the identity, which
      // a file without one takes from the database it replaced.
      const now = contentOf(live);
      for (const [table, content] of Object.entries(sent)) {
        if (table === "sessions" || table === "audit_log") continue;
        if (table === "database_identity" && (content as unknown[]).length === 0) continue;
        if (JSON.stringify(now[table]) !== JSON.stringify(content))
          problems.push(`the rows of \`${table}\` differ`);
      }
      if ((now.sessions ?? []).length !== 0) problems.push("a session survived the restore");
      // Signing in, everyone signed out, a password reset and a backup behave.
      const boss = auth.users.getByName("boss");
      const session = auth.sessions.create(boss, "127.0.0.1");
      if (!auth.sessions.find(session.token)) problems.push("a new session does not work");
      auth.sessions.endAll();
      if (auth.sessions.find(session.token) || auth.sessions.find(PLANTED_TOKEN))
        problems.push("a session survived signing everyone out");
      if ((live.query<{ n: number }, []>("SELECT count(*) AS n FROM sessions").get()?.n ?? 0) > 0)
        problems.push("sessions remain after signing everyone out");
      if (
        live
          .query<{ n: number }, [string]>("SELECT count(*) AS n FROM sessions WHERE token_hash = ?")
          .get(hashToken(PLANTED_TOKEN))?.n
      )
        problems.push("the planted session is live");
      if (behaviour) {
        const reset = await auth.users.setPassword(boss.id, "a new long password");
        const stored = live
          .query<{ h: string }, [number]>("SELECT password_hash AS h FROM users WHERE id = ?")
          .get(boss.id)?.h;
        if (stored !== reset.passwordHash) problems.push("a password reset did not hold");
        const started = await signIn(auth, {
          username: "boss",
          password: "a new long password",
          clientAddress: "127.0.0.1",
        }).catch(() => null);
        if (!started) problems.push("signing in with the new password failed");
        const made = await engine.createBackup({ kind: "manual" }).catch((error) => error);
        if (made instanceof Error || made.health !== "verified") problems.push(`a backup failed: ${made}`);
        else rmSync(join(paths.backupsDir, made.name), { force: true });
      }
      for (const problem of problems) failures.push(`${variant.label} [${how}]: ${problem}`);
    }

    let i = 0;
    for (const variant of variants(SEED)) {
      if (tally.refused + tally.accepted >= COUNT) break;
      i++;
      const file = join(scratch, `v${i}.db`);
      if (!writeVariant(variant, file, bossHash)) {
        tally.skipped++;
        continue;
      }
      const name = `variant_${i}.db`;
      // The full check the worker runs for `verify`, an upload and a restore, here in-process.
      const checked = checkRestorable(file);
      const accepted = checked.ok;
      if (accepted) tally.accepted++;
      else tally.refused++;
      if (variant.expect === "accept" && !accepted)
        failures.push(`${variant.label}: refused (${checked.reason}), but it is harmless`);
      if (variant.expect === "refuse" && accepted) failures.push(`${variant.label}: accepted`);
      if (!accepted && tally.refused % RESTORE_EVERY !== 0) continue;
      copyFileSync(file, join(paths.backupsDir, name));
      if (!accepted) {
        const before = contentOf(db.sqlite);
        const error = await engine.restore(name).catch((e) => e);
        if (!(error instanceof BackupUnusableError))
          failures.push(`${variant.label}: a restore was not refused (${error})`);
        if (JSON.stringify(contentOf(db.sqlite)) !== JSON.stringify(before))
          failures.push(`${variant.label}: a refused restore changed the database`);
      } else {
        const sent = fileContent(file);
        // As a foreign file: rebuilt.
        const rebuilt = await engine.restore(name).catch((e) => e);
        await engine.settled();
        if (rebuilt instanceof Error)
          failures.push(`${variant.label} [rebuilt]: the restore failed: ${rebuilt.message}`);
        else await proveHarmless(variant, sent, "rebuilt", tally.accepted % 2 === 0);
        // As if this app had made it: put in place as it is.
        const manifestPath = join(paths.backupsDir, "manifest.json");
        const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
        manifest.backups[name].origin = "snapshot";
        writeFileSync(manifestPath, JSON.stringify(manifest));
        const restored = await engine.restore(name).catch((e) => e);
        await engine.settled();
        if (restored instanceof Error)
          failures.push(`${variant.label} [copied]: the restore failed: ${restored.message}`);
        else await proveHarmless(variant, sent, "copied", tally.accepted % 2 === 1);
      }
      rmSync(join(paths.backupsDir, name), { force: true });
    }
    console.log(
      `trust search (TRUST_SEED=${SEED}): ${tally.refused + tally.accepted} variants, ${tally.refused} refused, ${tally.accepted} restored and proven harmless, ${tally.skipped} whose mutations could not be made together`,
    );
    expect(tally.refused + tally.accepted).toBe(COUNT);
    expect(failures).toEqual([]);
  }, 600_000);
});
