import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildExecutable } from "../build.ts";
import { atEndOfRun } from "./end-of-run.ts";

/** Where a data folder's files are, as the app names them (`business_data.db`, `database_backups/` …). */
export { dataPaths } from "../src/config/paths.ts";

export const ROOT = resolve(import.meta.dir, "..");
export const MAIN = join(ROOT, "src", "main.ts");
export const BUN = process.execPath;
/** Deno, as `npm install` brings it (a pinned development dependency). */
export const DENO = join(ROOT, "node_modules", ".bin", "deno");

/**
 * How the tests that drive the app as a process start it, from `BUSINESS_APP_LAUNCHER`: `bun`
 * (from source, the default), `exe` (the compiled Bun executable, built once per run) or `deno`
 * (`deno run`). `npm test` runs those tests with `exe` and again with `deno`.
 */
export type Launcher = "bun" | "exe" | "deno";
export const LAUNCHERS: readonly Launcher[] = ["bun", "exe", "deno"];

function launcherFromEnv(): Launcher {
  const value = process.env.BUSINESS_APP_LAUNCHER ?? "bun";
  if (!(LAUNCHERS as readonly string[]).includes(value))
    throw new Error(`BUSINESS_APP_LAUNCHER=${value}: allowed are ${LAUNCHERS.join(", ")}.`);
  return value as Launcher;
}

export const LAUNCHER: Launcher = launcherFromEnv();

let executable: string | null = null;

/** The app compiled for this machine, built on first use and kept for the rest of the run. */
export function builtExecutable(): string {
  executable ??= buildExecutable({ target: "host", outdir: tempDir("business-app-dist-") });
  return executable;
}

/** Runs a TypeScript file with Deno the way `deno task start` runs the app. */
export function denoCommand(file: string): string[] {
  return [DENO, "run", "--allow-all", "--v8-flags=--expose-gc", "--config", join(ROOT, "deno.json"), file];
}

/** The command that runs the app under `launcher`; arguments follow it. */
export function appCommand(launcher: Launcher = LAUNCHER): string[] {
  if (launcher === "exe") return [builtExecutable()];
  if (launcher === "deno") return denoCommand(MAIN);
  return [BUN, MAIN];
}

/**
 * The command that runs a script of the tests (one that imports the app's source) in the
 * launcher's runtime: Deno for `deno`, Bun otherwise (an executable runs no other script).
 */
export function scriptCommand(file: string, launcher: Launcher = LAUNCHER): string[] {
  return launcher === "deno" ? denoCommand(file) : [BUN, file];
}

/**
 * What `promise` rejects with, awaited plainly (a promise that resolves fails the test). Bun's
 * `expect(pending).rejects` waits in a way that no longer hears a worker thread which answered
 * before, so a promise waiting for a kept worker thread would never settle inside it.
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => null,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  if (outcome === null) throw new Error("the promise resolved; a rejection was expected");
  return outcome;
}

/** A new empty folder, removed after the test run. */
export function tempDir(prefix = "business-app-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  atEndOfRun(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port nobody listens on right now. */
export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port as number;
  server.stop(true);
  return port;
}

/**
 * The environment of a child process with none of the app's settings inherited from ours, and
 * Deno told not to look for a newer version of itself.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1" };
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("BUSINESS_APP_")) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the app's command line (`appCommand()`, or `command` instead) to the end. */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; command?: string[]; input?: string } = {},
): Promise<RunResult> {
  const proc = Bun.spawn([...(options.command ?? appCommand()), ...args], {
    cwd: options.cwd ?? tempDir("business-app-cwd-"),
    env: cleanEnv(options.env),
    stdout: "pipe",
    stderr: "pipe",
    // A pipe, written here: the Windows executable under Wine cannot read input handed over as bytes.
    stdin: options.input === undefined ? "ignore" : "pipe",
  });
  if (options.input !== undefined && proc.stdin) {
    proc.stdin.write(options.input);
    proc.stdin.end();
  }
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** The tests' password of every user they add. */
export const TEST_PASSWORD = "long enough password";

/**
 * Signs in through the API, which must accept the password: the session's cookie and CSRF token,
 * and `headers`, what a JSON write from this session sends.
 */
export async function signIn(app: { url: string }, username: string, password = TEST_PASSWORD) {
  const answer = await trySignIn(app, username, password);
  if (!answer.session) throw new Error(`signing in as ${username} answered ${answer.status}`);
  return answer.session;
}

/** A sign-in through the API as it turned out: its status, and the session when it was accepted (`signIn`). */
export async function trySignIn(app: { url: string }, username: string, password = TEST_PASSWORD) {
  const res = await fetch(`${app.url}/api/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) {
    await res.arrayBuffer();
    return { status: res.status, session: null };
  }
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const headers = {
    Cookie: cookie,
    "X-CSRF-Token": csrfToken,
    "Content-Type": "application/json",
    Origin: app.url,
  };
  return { status: res.status, session: { cookie, csrfToken, headers } };
}

/** Adds a user through the command line (`user add … --password-stdin`) with the tests' password. */
export function addUserByCli(dataDir: string, username = "boss", role = "super_admin"): Promise<RunResult> {
  const args = [
    "user",
    "add",
    "--username",
    username,
    "--role",
    role,
    "--password-stdin",
    "--data-dir",
    dataDir,
  ];
  return runCli(args, { input: `${TEST_PASSWORD}\n` });
}

export interface RunningApp {
  proc: ReturnType<typeof Bun.spawn>;
  url: string;
  port: number;
  /** Everything the process printed so far. */
  output(): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts `serve` on a free port and waits until `/api/health` answers; no `dataDir`, no `--data-dir`. */
export async function startApp(options: {
  dataDir?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  command?: string[];
  timeoutMs?: number;
}): Promise<RunningApp> {
  const port = freePort();
  const command = options.command ?? appCommand();
  const dataArgs = options.dataDir === undefined ? [] : ["--data-dir", options.dataDir];
  const proc = Bun.spawn([...command, "--port", String(port), ...dataArgs, ...(options.args ?? [])], {
    cwd: options.cwd ?? tempDir("business-app-cwd-"),
    env: cleanEnv(options.env),
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const pumping = Promise.all([
    pump(proc.stdout as ReadableStream<Uint8Array>),
    pump(proc.stderr as ReadableStream<Uint8Array>),
  ]);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (true) {
    if (proc.exitCode !== null) {
      await pumping;
      throw new Error(`the app exited with ${proc.exitCode} before answering:\n${text}`);
    }
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`the app did not answer within the time limit:\n${text}`);
    }
    await Bun.sleep(25);
  }
  return {
    proc,
    url,
    port,
    output: () => text,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      proc.kill(signal);
      const code = await proc.exited;
      await pumping;
      return code;
    },
  };
}

/** A copy of a data folder no process has open (SQLite's -wal and -shm with it, as they are). */
export function copyOfFolder(folder: string, prefix = "business-app-test-"): string {
  const dir = tempDir(prefix);
  cpSync(folder, dir, { recursive: true });
  return dir;
}

let laidOut: Promise<string> | null = null;

/**
 * A new data folder as the app (`LAUNCHER`) lays it out at its first start, stopped, with no
 * backup yet: made by one real start per run and copied for each caller, so that tests which
 * only need such a folder do not each pay for a start.
 */
export async function appLaidOutFolder(prefix = "business-app-test-"): Promise<string> {
  laidOut ??= (async () => {
    const template = tempDir("business-app-laid-out-");
    const app = await startApp({ dataDir: template, args: ["--no-startup-backup"] });
    const code = await app.stop();
    if (code !== 0)
      throw new Error(`laying out a data folder: the app exited with ${code}:\n${app.output()}`);
    return template;
  })();
  return copyOfFolder(await laidOut, prefix);
}

let backedUp: Promise<string> | null = null;

/**
 * A data folder whose database holds a super admin (`boss`, added by `user add`) and one good
 * manual backup of it (`backup`), made by the app (`LAUNCHER`) once per run and copied for each caller.
 */
export async function folderWithBackup(prefix = "business-app-test-"): Promise<string> {
  backedUp ??= (async () => {
    const dir = tempDir("business-app-backed-up-");
    const added = await addUserByCli(dir);
    if (added.exitCode !== 0) throw new Error(`user add exited with ${added.exitCode}: ${added.stderr}`);
    const made = await runCli(["backup", "--data-dir", dir]);
    if (made.exitCode !== 0) throw new Error(`backup exited with ${made.exitCode}: ${made.stderr}`);
    return dir;
  })();
  return copyOfFolder(await backedUp, prefix);
}
