import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquireFileLock } from "../../src/lib/files/file-lock.ts";
import { hasControlCharacters } from "../../src/lib/text.ts";
import { craftBackup, craftedCase } from "../backup/crafted.ts";
import { itemNames, putOutOfStep } from "../backup/fixtures.ts";
import { appLaidOutFolder, dataPaths, runCli, startApp } from "../helpers.ts";
import { missing } from "../tools.ts";

/** A data folder whose database holds `items`, made by the app itself (migrated), then closed. */
async function dataFolder(names: string[] = ["apples"]): Promise<string> {
  const dir = await appLaidOutFolder("business-app-cli-");
  const db = new Database(dataPaths(dir).database);
  db.run("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, remote_id TEXT, payload BLOB)");
  for (const name of names) db.run("INSERT INTO items (name) VALUES (?)", [name]);
  db.close();
  return dir;
}

/**
 * A data folder (`dataFolder`) whose index `items_name` is out of step with its table, the schema
 * reading as before: `quick_check` passes, `integrity_check` finds rows missing from the index, and
 * a snapshot (`VACUUM INTO` copies the index's pages as they are) carries it.
 */
async function outOfStepFolder(): Promise<string> {
  const dir = await dataFolder(["apples", "pears", "plums", "figs", "dates", "limes"]);
  const path = dataPaths(dir).database;
  const db = new Database(path);
  db.run("CREATE INDEX items_name ON items(name)");
  db.close();
  putOutOfStep(path, "items_name", "UPDATE items SET name = 'changed ' || id WHERE id % 2 = 0");
  return dir;
}

/** The name of the backup a `backup` command says it created. */
const createdName = (made: { exitCode: number; stdout: string }) => {
  expect(made.exitCode).toBe(0);
  return /Backup created: (\S+)/.exec(made.stdout)?.[1] as string;
};

/** The manifest's record of the backup `name` in the data folder `dir`. */
const manifestRecord = (dir: string, name: string) =>
  (
    JSON.parse(readFileSync(join(dataPaths(dir).backupsDir, "manifest.json"), "utf8")) as {
      backups: Record<
        string,
        { sha256: string; checkedAt: string; fullCheck?: { sha256: string; at: string } }
      >;
    }
  ).backups[name];

const listJson = async (dir: string) =>
  JSON.parse((await runCli(["list", "--json", "--data-dir", dir])).stdout) as {
    backups: { name: string; kind: string; health: string; description: string; createdBy: string }[];
  };

describe("backup, list, verify", () => {
  test("backup takes a manual backup with its description; list shows it, newest first", async () => {
    const dir = await dataFolder();
    const first = await runCli(["backup", "--description", "Before inventory update!", "--data-dir", dir]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(
      /^Backup created: manual_\d{8}_\d{6}_before_inventory_update\.db \(\d+(\.\d)? KB\), fully checked\n$/,
    );
    const second = await runCli(["backup", "--data-dir", dir]);
    expect(second.exitCode).toBe(0);

    const { backups } = await listJson(dir);
    expect(backups).toHaveLength(2);
    expect(Object.keys(backups[0] ?? {}).sort()).toEqual(
      ["createdAt", "createdBy", "description", "health", "kind", "name", "sha256", "size"].sort(),
    );
    expect(backups[1]?.description).toBe("Before inventory update!");
    expect(backups[1]?.createdBy).toStartWith("command line");
    expect(backups.every((b) => b.kind === "manual" && b.health === "verified")).toBe(true);

    const table = await runCli(["list", "--data-dir", dir]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+KIND\s+CREATED\s+SIZE\s+HEALTH\s+DESCRIPTION$/);
    expect(table.stdout).toContain("Before inventory update!");
    expect(readFileSync(join(dataPaths(dir).backupsDir, "backup.log"), "utf8")).toContain(
      "INFO - Database backup created: manual_",
    );
  });

  test("backup works while the server runs, and says busy while another operation holds the lock", async () => {
    const dir = await dataFolder();
    const app = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    const ok = await runCli(["backup", "--description", "while running", "--data-dir", dir]);
    expect(ok.exitCode).toBe(0);
    const lock = acquireFileLock(join(dir, ".business-app.operation.lock"));
    const busy = await runCli(["backup", "--data-dir", dir]);
    lock.release();
    expect(busy.exitCode).toBe(3);
    expect(busy.stderr).toContain("Another backup or restore is running");
    expect(await app.stop()).toBe(0);
  });

  test("a description over 200 characters is bad usage and makes nothing", async () => {
    const dir = await dataFolder();
    const result = await runCli(["backup", "--description", "x".repeat(201), "--data-dir", dir]);
    expect(result.exitCode).toBe(2);
    expect(readdirSync(dataPaths(dir).backupsDir).filter((f) => f.endsWith(".db"))).toEqual([]);
  });

  test("control characters: refused in a new description; one already in the manifest is listed escaped", async () => {
    const dir = await dataFolder();
    const refused = await runCli(["backup", "--description", "two\nlines", "--data-dir", dir]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(
      "--description: The description may not contain control characters such as line breaks or tabs.",
    );
    expect(readdirSync(dataPaths(dir).backupsDir).filter((f) => f.endsWith(".db"))).toEqual([]);

    // A description an older version accepted, or a manifest edited by hand: it must not clear the
    // terminal, move the cursor back to fake a row, or reverse the text after it.
    expect((await runCli(["backup", "--description", "plain", "--data-dir", dir])).exitCode).toBe(0);
    const manifestPath = join(dataPaths(dir).backupsDir, "manifest.json");
    const hostile = "ok\u001b[2J\u001b[H\rmanual_x.db  manual  FAKE\u009b\u202etxt.exe";
    writeFileSync(
      manifestPath,
      readFileSync(manifestPath, "utf8").replace('"plain"', JSON.stringify(hostile)),
    );
    const table = await runCli(["list", "--data-dir", dir]);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toContain("ok\\x1b[2J\\x1b[H\\rmanual_x.db  manual  FAKE\\x9b\\u202etxt.exe");
    expect(hasControlCharacters(table.stdout.replaceAll("\n", ""))).toBe(false);
    // The header and the one backup (and the window of continuous protection, when it has one).
    const rows = table.stdout
      .trimEnd()
      .split("\n")
      .filter((line) => !line.startsWith("Continuous protection can restore"));
    expect(rows).toHaveLength(2);
  });

  test("verify: exit 0 when healthy, 1 with the reason when damaged, 2 without a name", async () => {
    const dir = await dataFolder();
    const good = createdName(await runCli(["backup", "--data-dir", dir]));
    const okRun = await runCli(["verify", good, "--data-dir", dir]);
    expect(okRun.exitCode).toBe(0);
    expect(okRun.stdout).toContain(`ok       ${good}`);

    writeFileSync(join(dataPaths(dir).backupsDir, "broken.db"), "not a database at all");
    const all = await runCli(["verify", "--all", "--data-dir", dir]);
    expect(all.exitCode).toBe(1);
    expect(all.stdout).toContain("DAMAGED  broken.db: not an SQLite database file");
    expect(all.stdout).toContain(`ok       ${good}`);

    expect((await runCli(["verify", "--data-dir", dir])).exitCode).toBe(2);
    const missing = await runCli(["verify", "nope.db", "--data-dir", dir]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('There is no backup called "nope.db"');
  });

  test.skipIf(missing("sqlite3"))(
    "backup exits 1 when its full check finds what the quick check cannot (an index out of step), recorded damaged",
    async () => {
      const dir = await outOfStepFolder();
      const made = await runCli(["backup", "--data-dir", dir]);
      expect(made.exitCode).toBe(1);
      const name = /Backup created: (\S+) \(/.exec(made.stderr)?.[1] as string;
      expect(made.stderr).toContain(`Backup created: ${name} (`);
      expect(made.stderr).toMatch(/, but it failed its full check: .*missing from index items_name/);
      expect((await listJson(dir)).backups.find((b) => b.name === name)?.health).toBe("damaged");
    },
  );

  test.skipIf(missing("sqlite3"))(
    "backup exits 1 on damage its full check found even when the list cannot be written to record it",
    async () => {
      const dir = await outOfStepFolder();
      // The list cannot be written (as on a disk the backup filled): a folder where its file goes.
      const manifest = join(dataPaths(dir).backupsDir, "manifest.json");
      mkdirSync(join(manifest, "in the way"), { recursive: true });
      const made = await runCli(["backup", "--data-dir", dir]);
      expect(made.exitCode).toBe(1);
      expect(made.stderr).toMatch(
        /Backup created: \S+ \(.*\), but it failed its full check: .*missing from index items_name/,
      );
      expect(made.stdout).not.toContain("its full check follows");
    },
  );

  test("backup of a healthy database whose full check cannot be recorded says so, and exits 0", async () => {
    const dir = await dataFolder();
    mkdirSync(join(dataPaths(dir).backupsDir, "manifest.json", "in the way"), { recursive: true });
    const made = await runCli(["backup", "--data-dir", dir]);
    expect(made.exitCode).toBe(0);
    expect(made.stdout).toMatch(
      /^Backup created: \S+ \(.*\); its full check follows \(at the app's next start/,
    );
    expect(made.stderr).toContain("Its full check passed but could not be recorded: ");
  });
});

describe("a missing database", () => {
  test("commands refuse with the sentence naming the newest good backup; serve starts in recovery mode; --new-database starts empty and keeps every backup", async () => {
    const dir = await dataFolder(["apples", "pears"]);
    const made = await runCli(["backup", "--description", "Friday", "--data-dir", dir]);
    expect(made.exitCode).toBe(0);
    const name = made.stdout.match(/Backup created: (\S+)/)?.[1] as string;
    for (const side of ["", "-wal", "-shm"]) rmSync(join(dir, `business_data.db${side}`), { force: true });

    for (const args of [["backup"], ["user", "list"]]) {
      const refused = await runCli([...args, "--data-dir", dir]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toStartWith(
        `The database file is missing. The newest good backup is ${name} from `,
      );
      // (Its row counts come with its full check, which the command line leaves to the app.)
      expect(refused.stderr).toContain(
        ". Restore it.\nRestore it with: business-app restore --latest (or restore NAME). To start with an empty database on purpose: business-app serve --new-database (every backup is kept).\n",
      );
      expect(existsSync(dataPaths(dir).database)).toBe(false);
    }
    // serve: recovery mode, no empty database, no startup backup over the good ones.
    const recovering = await startApp({ dataDir: dir });
    expect(await (await fetch(`${recovering.url}/api/health`)).json()).toEqual({
      status: "degraded",
      reasons: ["recovery_mode"],
    });
    expect(recovering.output()).toContain(
      `ERROR - The database file is missing. The newest good backup is ${name}`,
    );
    expect(await recovering.stop()).toBe(0);
    expect(existsSync(dataPaths(dir).database)).toBe(false);

    // On purpose: an empty database, every backup kept.
    const fresh = await startApp({ dataDir: dir, args: ["--new-database"] });
    expect(await (await fetch(`${fresh.url}/api/health`)).json()).toMatchObject({ status: "ok" });
    expect(fresh.output()).toContain(
      "Starting with an empty database, as asked (--new-database); every backup is kept",
    );
    expect(await fresh.stop()).toBe(0);
    expect((await listJson(dir)).backups.map((b) => b.name)).toContain(name);
    expect(itemNames(join(dataPaths(dir).backupsDir, name))).toEqual(["apples", "pears"]);
  });
});

describe("the trust rule at the command line", () => {
  test("verify and restore refuse a backup that could run code; a shop's own table is reported", async () => {
    const dir = await dataFolder(["apples"]);
    const folder = dataPaths(dir).backupsDir;
    for (const which of ["session_trigger", "password_trigger", "shop_items"] as const)
      craftBackup(craftedCase(which), folder);
    const database = dataPaths(dir).database;
    const schemaOf = () => {
      const db = new Database(database, { readonly: true });
      try {
        return db.query("SELECT type, name, sql FROM sqlite_master ORDER BY name").all();
      } finally {
        db.close();
      }
    };
    const before = schemaOf();

    const verify = await runCli(["verify", "--all", "--data-dir", dir]);
    expect(verify.exitCode).toBe(1);
    expect(verify.stdout).toContain(
      "DAMAGED  session_trigger.db: trigger `keep_session` is not part of BusinessApp's schema\n",
    );
    expect(verify.stdout).toContain(
      "DAMAGED  password_trigger.db: trigger `keep_password` is not part of BusinessApp's schema\n",
    );
    expect(verify.stdout).toContain(
      "ok       shop_items.db (tables BusinessApp does not know, kept as plain data: items)\n",
    );

    for (const name of ["session_trigger.db", "password_trigger.db"]) {
      const refused = await runCli(["restore", name, "--yes", "--data-dir", dir]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain(`The backup ${name} cannot be restored: trigger \``);
    }
    expect(schemaOf()).toEqual(before);
    expect(itemNames(database)).toEqual(["apples"]);
    expect((await listJson(dir)).backups.filter((b) => b.kind === "pre_restore")).toEqual([]);

    // The accepted file restores, and the session carried inside it ends on the reopened connection.
    expect((await runCli(["restore", "shop_items.db", "--yes", "--data-dir", dir])).exitCode).toBe(0);
    const restored = new Database(database, { readonly: true });
    expect(restored.query("SELECT count(*) AS n FROM sessions").get()).toEqual({ n: 0 });
    expect(restored.query("SELECT name FROM items").all()).toEqual([{ name: "apples" }]);
    restored.close();
  });
});

describe("restore (offline)", () => {
  test("refuses while the app runs", async () => {
    const dir = await dataFolder();
    await runCli(["backup", "--data-dir", dir]);
    const app = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    const result = await runCli(["restore", "--latest", "--yes", "--data-dir", dir]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`BusinessApp is running (pid ${app.proc.pid})`);
    expect(await app.stop()).toBe(0);
  });

  test("asks first: anything but yes changes nothing; yes restores and keeps a safety backup", async () => {
    const dir = await dataFolder(["apples"]);
    const name = createdName(await runCli(["backup", "--description", "apples only", "--data-dir", dir]));
    // Fully checked before the command exited, so the restore below needs no second check.
    const checked = manifestRecord(dir, name);
    expect(checked?.fullCheck?.sha256).toBe(checked?.sha256 as string);
    const db = new Database(dataPaths(dir).database);
    db.run("INSERT INTO items (name) VALUES ('pears')");
    db.close();

    const declined = await runCli(["restore", name, "--data-dir", dir], { input: "no\n" });
    expect(declined.exitCode).toBe(1);
    expect(declined.stdout).toContain("Type yes to continue");
    // The question names the backup, when its data is from, what is lost, and the rows per table.
    expect(declined.stdout).toContain(`This puts back: ${name} (“apples only”), with its data from`);
    expect(declined.stdout).toMatch(/Changes made since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d are lost/);
    expect(declined.stdout).toContain("  items: 2 now → 1 after\n");
    expect(declined.stdout).toContain("Restore cancelled");
    expect(itemNames(dataPaths(dir).database)).toEqual(["apples", "pears"]);

    const accepted = await runCli(["restore", name, "--data-dir", dir], { input: "yes\n" });
    expect(accepted.exitCode).toBe(0);
    expect(accepted.stdout).toMatch(
      /Restored from manual_.*\. A safety backup was saved as pre_restore_\d{8}_\d{6}\.db\./,
    );
    expect(existsSync(join(dir, "business_data.db-wal"))).toBe(false);
    expect(itemNames(dataPaths(dir).database)).toEqual(["apples"]);
    const safety = /saved as (pre_restore_\S+\.db)\./.exec(accepted.stdout)?.[1] as string;
    expect(itemNames(join(dataPaths(dir).backupsDir, safety))).toEqual(["apples", "pears"]);
    // A check under the restore would have recorded itself anew.
    expect(manifestRecord(dir, name)).toEqual(checked);
  });

  test("--latest skips damaged backups; bad names and usage get clear answers", async () => {
    const dir = await dataFolder(["v1"]);
    await runCli(["backup", "--description", "good", "--data-dir", dir]);
    writeFileSync(join(dataPaths(dir).backupsDir, "backup_20990101_000000.db"), "garbage");
    const result = await runCli(["restore", "--latest", "--yes", "--data-dir", dir]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Restored from manual_\d{8}_\d{6}_good\.db/);

    const traversal = await runCli(["restore", "../business_data.db", "--yes", "--data-dir", dir]);
    expect(traversal.exitCode).toBe(1);
    expect(traversal.stderr).toContain("That is not a backup name");
    const both = await runCli(["restore", "x.db", "--latest", "--data-dir", dir]);
    expect(both.exitCode).toBe(2);
    const damaged = await runCli(["restore", "backup_20990101_000000.db", "--yes", "--data-dir", dir]);
    expect(damaged.exitCode).toBe(1);
    expect(damaged.stderr).toContain("cannot be restored: not an SQLite database file");
  });
});
