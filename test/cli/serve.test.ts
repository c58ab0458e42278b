import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVE_FLAGS } from "../../src/cli/commands/serve.ts";
import { runCli as runCommandLine } from "../../src/cli/index.ts";
import { envName, SETTING_KEYS } from "../../src/config/schema.ts";
import { BUN, cleanEnv, MAIN, type RunResult, runCli, startApp, tempDir } from "../helpers.ts";

/** The command line run inside this process, with `env` as a process started by `runCli` would have it. */
async function runHere(args: string[], options: { env?: Record<string, string> } = {}): Promise<RunResult> {
  const cwd = tempDir("business-app-cwd-");
  const out = { stdout: "", stderr: "" };
  const exitCode = await runCommandLine(args, {
    env: cleanEnv(options.env),
    cwd,
    appDir: cwd,
    version: "in process",
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
  });
  return { exitCode, ...out };
}

describe("command line", () => {
  test("--help lists every command, flag and environment variable", async () => {
    const { exitCode, stdout } = await runCli(["--help"]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain("serve");
    for (const flag of SERVE_FLAGS) expect(stdout).toContain(`--${flag.name}`);
    for (const key of SETTING_KEYS) expect(stdout).toContain(envName(key));
    expect(stdout).toContain("BUSINESS_APP_DATA_DIR");
    expect(stdout).toContain("BUSINESS_APP_CONFIG");
  });

  test("--version prints the version of package.json", async () => {
    const pkg = (await Bun.file(join(import.meta.dir, "../../package.json")).json()) as { version: string };
    const { exitCode, stdout } = await runCli(["--version"]);
    expect(exitCode).toBe(0);
    expect(stdout.trim()).toBe(`BusinessApp ${pkg.version}`);
  });

  // The first case of each table is run as a process, by the app under test; the others are
  // the same refusal in other words, run in this process.
  test.each([
    [["frobnicate"], 'Unknown command "frobnicate"', runCli],
    [["--frobnicate"], "Unknown option '--frobnicate'", runHere],
    [["serve", "--port"], "--port", runHere],
    [["serve", "extra"], 'Unexpected argument "extra"', runHere],
    [["--interval-hours", "2", "--schedule", "0 * * * *"], "either --interval-hours or --schedule", runHere],
  ])("%p is bad usage: exit 2 with the usage", async (args, message, run) => {
    const dataDir = tempDir();
    const { exitCode, stderr } = await run([...args, "--data-dir", dataDir]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain("Usage:");
    expect(readdirSync(dataDir)).toEqual([]);
  });

  test.each([
    [["--port", "70000"], {}, "setting port (--port): 70000", runCli],
    [["--interval-hours", "0"], {}, "setting interval_hours (--interval-hours): 0", runHere],
    [["--max-backups", "-1"], {}, "setting max_backups (--max-backups): -1", runHere],
    [["--schedule", "61 * * * *"], {}, 'setting schedule (--schedule): "61 * * * *"', runHere],
    [[], { BUSINESS_APP_PORT: "http" }, 'setting port (BUSINESS_APP_PORT): "http"', runHere],
  ])("bad setting %p %p: exit 2, a message naming it, nothing created", async (args, env, message, run) => {
    const dataDir = join(tempDir(), "data");
    const { exitCode, stderr } = await run([...args, "--data-dir", dataDir], { env });
    expect(exitCode).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain("Allowed:");
    expect(existsSync(dataDir)).toBe(false);
  });

  test("a config file that is not JSON or has an unknown key stops the start and is left as it was", async () => {
    const dataDir = tempDir();
    const file = join(dataDir, "business-app.config.json");
    for (const text of ["{ not json", '{"colour": "blue"}']) {
      writeFileSync(file, text);
      const { exitCode, stderr } = await runCli(["--data-dir", dataDir]);
      expect(exitCode).toBe(2);
      expect(stderr).toContain(file);
      expect(readFileSync(file, "utf8")).toBe(text);
      expect(readdirSync(dataDir)).toEqual(["business-app.config.json"]);
    }
  });
});

describe("serve", () => {
  test("lays out the data folder, answers, and stops gracefully on SIGTERM and SIGINT", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const dataDir = tempDir();
      const app = await startApp({ dataDir });
      expect(await (await fetch(`${app.url}/api/health`)).json()).toEqual({ status: "ok" });
      expect((await fetch(`${app.url}/`)).status).toBe(200);
      expect(existsSync(join(dataDir, "business_data.db"))).toBe(true);
      expect(existsSync(join(dataDir, "database_backups", "backup.log"))).toBe(true);
      expect(await app.stop(signal)).toBe(0);
      const log = readFileSync(join(dataDir, "database_backups", "backup.log"), "utf8");
      expect(log).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - INFO - Application starting: BusinessApp /m);
      expect(log).toContain(`Application stopping (${signal})`);
      expect(log.trim().split("\n").at(-1)).toMatch(/ - INFO - Application stopped$/);
      // Checkpointed and closed: the database is one file again.
      expect(existsSync(join(dataDir, "business_data.db-wal"))).toBe(false);
      expect(app.output()).toContain("Application started: open http://localhost:");
    }
  });

  test("a request in flight finishes before the app stops", async () => {
    const dataDir = tempDir();
    const app = await startApp({ dataDir });
    // A slow client: the body of a large asset is read after the stop signal.
    const res = await fetch(`${app.url}/static/htmx.min.js`);
    // The answer has started; the stop signal must not cut it off.
    const stopped = app.stop("SIGTERM");
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBeGreaterThan(10_000);
    expect(await stopped).toBe(0);
  });

  test("a second instance on the same data folder exits 3 naming the first one's pid", async () => {
    const dataDir = tempDir();
    const first = await startApp({ dataDir });
    const second = await runCli(["--data-dir", dataDir, "--port", String(first.port + 1)]);
    expect(second.exitCode).toBe(3);
    expect(second.stderr).toContain(`Another instance is running (pid ${first.proc.pid})`);
    expect(await first.stop()).toBe(0);
  });

  test("the lock of a killed instance is taken over", async () => {
    const dataDir = tempDir();
    const first = await startApp({ dataDir });
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    const second = await startApp({ dataDir });
    expect(await (await fetch(`${second.url}/api/health`)).json()).toEqual({ status: "ok" });
    expect(await second.stop()).toBe(0);
  });

  test("a port in use: exit 1 with a message suggesting --port", async () => {
    const blocker = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("busy") });
    const port = blocker.port as number;
    const dataDir = tempDir();
    const { exitCode, stderr } = await runCli(["--data-dir", dataDir, "--port", String(port)]);
    blocker.stop(true);
    expect(exitCode).toBe(1);
    expect(stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    expect(stderr).toContain("--port");
    // The lock is released: the next start works.
    const app = await startApp({ dataDir });
    expect(await app.stop()).toBe(0);
  });

  test("never uses the working directory: from source the data folder defaults to the project root", async () => {
    const cwd = tempDir();
    const { exitCode } = await runCli(["--port", "70000"], { cwd });
    expect(exitCode).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
    // The default (no --data-dir) is resolved from the program's location, shown in the help text's terms.
    const proc = Bun.spawnSync(
      [
        BUN,
        "-e",
        `import { currentAppDir } from ${JSON.stringify(join(MAIN, "..", "config", "paths.ts"))}; console.log(currentAppDir())`,
      ],
      { cwd },
    );
    expect(proc.stdout.toString().trim()).toBe(join(MAIN, "..", ".."));
  });
});

describe("opening the browser", () => {
  /** A folder with a stand-in `xdg-open` that writes down the URL it was given, first on PATH. */
  function standInBrowser() {
    const bin = tempDir("business-app-xdg-");
    const seen = join(bin, "opened.txt");
    writeFileSync(join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${seen}'\n`, { mode: 0o755 });
    return { PATH: `${bin}:${process.env.PATH ?? ""}`, seen };
  }

  async function opened(seen: string): Promise<string> {
    // Bounded: the opener runs detached and writes a moment after the app started it.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !existsSync(seen)) await Bun.sleep(10);
    return existsSync(seen) ? readFileSync(seen, "utf8").trim() : "";
  }

  test("open_browser true opens the first-run link; false and --no-browser open nothing", async () => {
    const { PATH, seen } = standInBrowser();
    const app = await startApp({ dataDir: tempDir(), env: { PATH, BUSINESS_APP_OPEN_BROWSER: "true" } });
    const link = app.output().match(/http:\/\/localhost:\d+\/setup\?token=\S+/)?.[0];
    expect(await opened(seen)).toBe(link as string);
    expect(app.output()).toContain("To stop BusinessApp, close this window or press Ctrl+C.");
    expect(await app.stop()).toBe(0);

    for (const how of [{ env: { BUSINESS_APP_OPEN_BROWSER: "false" } }, { args: ["--no-browser"] }]) {
      const other = standInBrowser();
      const quiet = await startApp({
        dataDir: tempDir(),
        env: { PATH: other.PATH, ...(how.env ?? {}) },
        args: how.args ?? [],
      });
      expect(await quiet.stop()).toBe(0);
      expect(existsSync(other.seen)).toBe(false);
    }
  });
});
