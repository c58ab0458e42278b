import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { itemNames } from "../backup/fixtures.ts";
import {
  appCommand,
  dataPaths,
  LAUNCHER,
  type Launcher,
  type RunningApp,
  runCli,
  signIn,
  startApp,
  TEST_PASSWORD,
  tempDir,
} from "../helpers.ts";

/**
 * One data folder used by Bun and by Deno in turn, as a shop would after moving the app from
 * one to the other: users with passwords, backups and restores made by one are used by the other.
 */
const BUN_SIDE: Launcher = LAUNCHER === "deno" ? "bun" : LAUNCHER;
const SIDES = [
  ["Deno", "deno"],
  ["Bun", BUN_SIDE],
] as const;

const PASSWORD = TEST_PASSWORD;

function addUser(dir: string, username: string, launcher: Launcher) {
  return runCli(
    ["user", "add", "--username", username, "--role", "super_admin", "--password-stdin", "--data-dir", dir],
    { command: appCommand(launcher), input: `${PASSWORD}\n` },
  );
}

function serve(dir: string, launcher: Launcher): Promise<RunningApp> {
  return startApp({ dataDir: dir, args: ["--no-startup-backup"], command: appCommand(launcher) });
}

async function createBackup(app: RunningApp, username: string, description: string): Promise<string> {
  const { headers } = await signIn(app, username);
  const res = await fetch(`${app.url}/api/backups`, {
    method: "POST",
    headers,
    body: JSON.stringify({ description }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { backup: { name: string } }).backup.name;
}

function setItems(dir: string, names: string[]): void {
  const db = new Database(dataPaths(dir).database);
  db.run("PRAGMA busy_timeout = 5000");
  db.run("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  db.run("DELETE FROM items");
  for (const name of names) db.run("INSERT INTO items (name) VALUES (?)", [name]);
  db.close();
}

describe("one data folder under Bun and Deno", () => {
  test.each(SIDES)(
    "users, backups and restores made under %s are signed into, verified and restored under the other",
    async (_, maker) => {
      const user = `${maker}-owner`;
      const other = maker === "deno" ? BUN_SIDE : "deno";
      const dir = tempDir("business-app-runtimes-");

      // The maker: a user with a password, data, a backup of it through the API.
      const first = await serve(dir, maker);
      expect((await addUser(dir, user, maker)).exitCode).toBe(0);
      setItems(dir, ["apples", "pears"]);
      const name = await createBackup(first, user, `made under ${maker}`);
      expect(await first.stop()).toBe(0);
      setItems(dir, ["changed later"]);

      // The other runtime: the maker's user signs in; the maker's backup is listed verified,
      // passes the full check and is restored offline.
      const second = await serve(dir, other);
      await signIn(second, user);
      const wrong = await fetch(`${second.url}/api/session`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: user, password: `${PASSWORD}!` }),
      });
      expect(wrong.status).toBe(401);
      // A user the other runtime adds, for the way back.
      expect((await addUser(dir, "second", other)).exitCode).toBe(0);
      const back = await createBackup(second, "second", `made under ${other}`);
      expect(await second.stop()).toBe(0);
      const command = { command: appCommand(other) };
      const listed = JSON.parse((await runCli(["list", "--json", "--data-dir", dir], command)).stdout) as {
        backups: { name: string; health: string }[];
      };
      expect(listed.backups.find((b) => b.name === name)?.health).toBe("verified");
      expect((await runCli(["verify", name, "--data-dir", dir], command)).exitCode).toBe(0);
      const restored = await runCli(["restore", name, "--yes", "--data-dir", dir], command);
      expect(restored.exitCode).toBe(0);
      expect(itemNames(dataPaths(dir).database)).toEqual(["apples", "pears"]);

      // Back under the maker: the other's backup restores, and its user signs in.
      const again = { command: appCommand(maker) };
      expect((await runCli(["restore", back, "--yes", "--data-dir", dir], again)).exitCode).toBe(0);
      expect(itemNames(dataPaths(dir).database)).toEqual(["changed later"]);
      const third = await serve(dir, maker);
      await signIn(third, "second");
      expect(
        (await fetch(`${third.url}/api/status`, { headers: (await signIn(third, user)).headers })).status,
      ).toBe(200);
      expect(await third.stop()).toBe(0);
      const log = readFileSync(join(dataPaths(dir).backupsDir, "backup.log"), "utf8");
      expect(log).toMatch(new RegExp(`INFO - .* from ${name} .*completed`));
      expect(log).not.toContain(" - ERROR - ");
    },
  );
});
