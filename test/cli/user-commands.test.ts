import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { dataPaths, runCli, startApp, tempDir } from "../helpers.ts";

describe("user commands", () => {
  test("add, list and reset a password, with the app stopped or running", async () => {
    const dir = tempDir("business-app-users-");
    const added = await runCli(
      ["user", "add", "--username", "boss", "--role", "super_admin", "--password-stdin", "--data-dir", dir],
      { input: "long enough password\n" },
    );
    expect(added.exitCode).toBe(0);
    expect(added.stdout).toBe("User boss added as super_admin.\n");

    const app = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    // The app did not offer a setup link: there is a user already.
    expect(app.output()).not.toContain("/setup?token=");
    const signIn = await fetch(`${app.url}/api/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "boss", password: "long enough password" }),
    });
    expect(signIn.status).toBe(200);

    const clerk = await runCli(
      ["user", "add", "--username", "clerk", "--role", "user", "--password-stdin", "--data-dir", dir],
      { input: "another long password\n" },
    );
    expect(clerk.exitCode).toBe(0);
    const reset = await runCli(
      ["user", "reset-password", "--username", "CLERK", "--password-stdin", "--data-dir", dir],
      {
        input: "a third password here\n",
      },
    );
    expect(reset.exitCode).toBe(0);
    const list = await runCli(["user", "list", "--data-dir", dir]);
    expect(list.stdout).toMatch(
      /^boss\tsuper_admin\tactive\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\nclerk\tuser\tactive\tnever signed in\n$/,
    );
    expect(await app.stop()).toBe(0);

    // A name written into the database by another tool is listed escaped, on its own line.
    const db = new Database(dataPaths(dir).database);
    db.run("UPDATE users SET username = ? WHERE username = 'clerk'", ["eve\u001b[2J\rboss\tsuper_admin"]);
    db.close();
    const escaped = await runCli(["user", "list", "--data-dir", dir]);
    expect(escaped.stdout.split("\n")[1]).toBe(
      "eve\\x1b[2J\\rboss\\tsuper_admin\tuser\tactive\tnever signed in",
    );
  });

  test("bad input is refused with a clear message and changes nothing", async () => {
    const dir = tempDir("business-app-users-");
    const noPassword = await runCli(["user", "add", "--username", "x1", "--role", "user", "--data-dir", dir]);
    expect(noPassword.exitCode).toBe(2);
    expect(noPassword.stderr).toContain("--password-stdin");
    const badRole = await runCli(
      ["user", "add", "--username", "x1", "--role", "owner", "--password-stdin", "--data-dir", dir],
      {
        input: "long enough password\n",
      },
    );
    expect(badRole.exitCode).toBe(2);
    const short = await runCli(
      ["user", "add", "--username", "x1", "--role", "user", "--password-stdin", "--data-dir", dir],
      {
        input: "short\n",
      },
    );
    expect(short.exitCode).toBe(1);
    expect(short.stderr).toContain("at least 8 characters");
    const unknown = await runCli(
      ["user", "reset-password", "--username", "ghost", "--password-stdin", "--data-dir", dir],
      {
        input: "long enough password\n",
      },
    );
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain("There is no user called ghost");
    expect((await runCli(["user", "list", "--data-dir", dir])).stdout).toBe("");
    expect((await runCli(["user", "frobnicate", "--data-dir", dir])).exitCode).toBe(2);
  });
});

describe("first run", () => {
  test("with no users the console and the log show a one-time setup link that works", async () => {
    const dir = tempDir("business-app-first-");
    const app = await startApp({ dataDir: dir, args: ["--no-startup-backup"] });
    const link = app.output().match(/http:\/\/localhost:\d+\/setup\?token=([A-Za-z0-9_-]+)/);
    expect(link).not.toBeNull();
    const token = link?.[1] as string;
    const log = await Bun.file(`${dir}/database_backups/backup.log`).text();
    expect(log).toContain(`/setup?token=${token}`);
    const page = await fetch(`${app.url}/setup?token=${token}`);
    expect(page.status).toBe(200);
    const res = await fetch(`${app.url}/setup`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: app.url },
      body: new URLSearchParams({
        token,
        username: "owner",
        password: "long enough pw",
        password2: "long enough pw",
      }),
    });
    expect(res.status).toBe(303);
    expect((await fetch(`${app.url}/setup?token=${token}`)).status).toBe(404);
    expect(await app.stop()).toBe(0);
  });
});
