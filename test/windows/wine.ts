import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExecutable } from "../../build.ts";
import { atEndOfRun } from "../end-of-run.ts";
import { cleanEnv, type RunningApp, type RunResult, runCli, startApp } from "../helpers.ts";
import { MINGW_GCC, missing } from "../tools.ts";

/**
 * BusinessApp.exe under Wine, as on a shop PC with Windows 10: built once per test run with
 * `build.ts --target windows-x64`, beside the stand-in bcryptprimitives.dll that Wine 8.0 lacks,
 * in a Wine prefix made once per run. One persistent wineserver serves the whole run (starting
 * Wine programs stays fast) and is stopped, with every program still running in the prefix, when
 * the run ends.
 */
export interface Wine {
  exe: string;
  /** hold-file.exe: keeps a file open as another program on the shop PC would. */
  holder: string;
  prefix: string;
  /** What every Wine program of the run needs in its environment. */
  env: Record<string, string>;
}

/** The password of every user the Windows tests add (the one `signIn` of the fault helpers uses). */
export const PASSWORD = "long enough password";

const NATIVE = join(import.meta.dir, "native");

/** True where Wine or the MinGW compiler is missing, so the Windows tests skip; names each missing one. */
export function wineMissing(): boolean {
  const wine = missing("wine");
  const mingw = missing("mingw");
  return wine || mingw;
}

let prepared: Promise<Wine> | undefined;

/** The Windows build and a Wine prefix, made on the first call of the run and shared after it. */
export function prepareWine(): Promise<Wine> {
  prepared ??= setUp();
  return prepared;
}

async function setUp(): Promise<Wine> {
  const root = mkdtempSync(join(tmpdir(), "business-app-wine-"));
  const prefix = join(root, "prefix");
  const env = {
    WINEPREFIX: prefix,
    WINEDEBUG: "-all",
    // Wine converts arguments and file names with the locale's character set.
    LC_ALL: "C.UTF-8",
    // No .NET or browser engine to offer for download, no menu entries to write.
    WINEDLLOVERRIDES: "mscoree,mshtml=;winemenubuilder.exe=d",
  };
  atEndOfRun(() => {
    Bun.spawnSync(["wineserver", "-k"], { env: cleanEnv(env) });
    rmSync(root, { recursive: true, force: true });
  });
  const appDir = join(root, "app");
  mkdirSync(appDir);
  const exe = buildExecutable({ target: "windows-x64", outdir: appDir });
  // Windows looks for a program's libraries in its own folder first.
  const dll = join(appDir, "bcryptprimitives.dll");
  compile(["-shared", "-o", dll, "bcryptprimitives.c", "bcryptprimitives.def", "-ladvapi32"]);
  const holder = join(root, "hold-file.exe");
  compile(["-municode", "-o", holder, "hold-file.c"]);
  // The server is made persistent before wineboot starts Wine's own services, so they keep running
  // for the whole run: started later by a test's program, they would inherit its output pipes and
  // keep them open after it ends.
  mkdirSync(prefix);
  const log = join(root, "wine-setup.log");
  await runToEnd(["wineserver", "--persistent"], env, log); // returns at once; the server stays
  await runToEnd(["wineboot", "--init"], env, log);
  return { exe, holder, prefix, env };
}

function compile(args: string[]): void {
  const result = Bun.spawnSync([MINGW_GCC, "-O2", "-s", "-Wall", ...args], {
    cwd: NATIVE,
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(`${MINGW_GCC} ${args.join(" ")} failed:\n${result.stderr}`);
}

/** Runs a Wine tool to its end. Its messages go to a file: a server it starts would keep a pipe open. */
async function runToEnd(command: string[], env: Record<string, string>, log: string): Promise<void> {
  const proc = Bun.spawn(command, {
    env: cleanEnv(env),
    stdin: "ignore",
    stdout: "ignore",
    stderr: Bun.file(log),
  });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${command.join(" ")} exited with ${code}:\n${readFileSync(log, "utf8")}`);
}

/** How a program in Wine names a Linux path: drive Z: is the Linux root. */
export function windowsPath(path: string): string {
  return `Z:${path.replaceAll("/", "\\")}`;
}

/**
 * Runs one command of BusinessApp.exe to its end; `input` goes to its standard input. A run that
 * fails without a word on either stream never reached the app (which always says why it fails):
 * Wine itself failed to start the program, seen rarely on a busy machine. It runs once more, and
 * says so on the test's output.
 */
export async function runExe(wine: Wine, args: string[], input?: string): Promise<RunResult> {
  const run = () =>
    runCli(args, { command: ["wine", wine.exe], env: wine.env, ...(input === undefined ? {} : { input }) });
  const result = await run();
  if (result.exitCode === 0 || result.stdout !== "" || result.stderr !== "") return result;
  console.warn(`Wine ended "${args.join(" ")}" with ${result.exitCode} and no output; running it again`);
  return run();
}

/** `user add` of a user with PASSWORD; `dataDir` as the app is given it (a Windows path). */
export async function addUser(wine: Wine, dataDir: string, username: string, role = "super_admin") {
  const args = ["user", "add", "--username", username, "--role", role, "--password-stdin"];
  const result = await runExe(wine, [...args, "--data-dir", dataDir], `${PASSWORD}\n`);
  if (result.exitCode !== 0)
    throw new Error(`user add ${username} failed (${result.exitCode}): ${result.stdout}${result.stderr}`);
}

/** The users of the data folder, by name, as `user list` prints them. */
export async function listUsers(wine: Wine, dataDir: string): Promise<string[]> {
  const result = await runExe(wine, ["user", "list", "--data-dir", dataDir]);
  if (result.exitCode !== 0)
    throw new Error(`user list failed (${result.exitCode}): ${result.stdout}${result.stderr}`);
  return result.stdout
    .trim()
    .split("\n")
    .map((line) => line.split("\t")[0] as string)
    .sort();
}

/**
 * `serve` on a free port with `--data-dir dataDir` (a Linux folder, given as its Windows path).
 * Stop it with `stop("SIGINT")`: under Wine only SIGINT reaches the app as a stop request, the way
 * Ctrl+C does on Windows; SIGTERM ends the Wine process without one.
 */
export function serveExe(wine: Wine, dataDir: string, args: string[] = []): Promise<RunningApp> {
  return startApp({
    command: ["wine", wine.exe, "serve"],
    dataDir: windowsPath(dataDir),
    args,
    env: wine.env,
    timeoutMs: 60_000,
  });
}

export interface HeldFile {
  /** Lets go of the file and waits until the holder has ended; returns its exit code. */
  release(): Promise<number>;
}

/** Opens `path` in another Windows program as SQLite would, and keeps it open until `release()`. */
export async function holdFile(wine: Wine, path: string): Promise<HeldFile> {
  const proc = Bun.spawn(["wine", wine.holder, windowsPath(path)], {
    env: cleanEnv(wine.env),
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let said = "";
  // The stream ends when the holder ends, so this wait is bounded by the holder itself.
  while (!said.includes("holding")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`hold-file could not open ${path}: ${await new Response(proc.stderr).text()}`);
    said += decoder.decode(value, { stream: true });
  }
  return {
    async release() {
      proc.stdin.end();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        said += decoder.decode(value, { stream: true });
      }
      const code = await proc.exited;
      if (!said.includes("released")) throw new Error(`hold-file did not release ${path}: ${said}`);
      return code;
    },
  };
}

/**
 * Makes the network share `\\server\share` show the Linux folder `dir` to Wine programs, as a
 * shared folder on another PC would; returns the share's path.
 */
export function mapShare(wine: Wine, server: string, share: string, dir: string): string {
  const hosts = join(wine.prefix, "dosdevices", "unc", server);
  mkdirSync(hosts, { recursive: true });
  symlinkSync(dir, join(hosts, share));
  return `\\\\${server}\\${share}`;
}
