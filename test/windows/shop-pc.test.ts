import { beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { dataPaths, freePort, tempDir } from "../helpers.ts";
import { addUser, holdFile, prepareWine, runExe, type Wine, windowsPath, wineMissing } from "./wine.ts";

/** Lines of the data folder's backup.log that contain `text`. */
function logLines(dataDir: string, text: string): string[] {
  const log = join(dataPaths(dataDir).backupsDir, "backup.log");
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => line.includes(text));
}

/** Resolves once backup.log has a line with `text` (at most 30 s): the app says what it waits for. */
async function logSays(dataDir: string, text: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && logLines(dataDir, text).length === 0) await Bun.sleep(20);
  expect(logLines(dataDir, text).length).toBeGreaterThan(0);
}

/** What a shop PC does besides serving: other programs holding files, double-clicks, long folders. */
describe.skipIf(wineMissing())("BusinessApp.exe on a shop PC", () => {
  let wine: Wine;

  beforeAll(async () => {
    wine = await prepareWine();
  }, 300_000);

  test("a command-line restore while another program holds the database exits 1 with the same words; nothing changes", async () => {
    const dataDir = tempDir("business-app-wine-cli-");
    const data = windowsPath(dataDir);
    writeFileSync(join(dataDir, "business-app.config.json"), '{ "busy_file_wait_seconds": 2 }');
    await addUser(wine, data, "boss");
    expect((await runExe(wine, ["backup", "--data-dir", data])).exitCode).toBe(0);
    const before = readFileSync(dataPaths(dataDir).database);
    const held = await holdFile(wine, dataPaths(dataDir).database);
    let result: Awaited<ReturnType<typeof runExe>>;
    try {
      result = await runExe(wine, ["restore", "--latest", "--yes", "--data-dir", data]);
    } finally {
      expect(await held.release()).toBe(0);
    }
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("Another program has business_data.db open (close it and try again).");
    expect(readFileSync(dataPaths(dataDir).database)).toEqual(before);
    const listed = JSON.parse((await runExe(wine, ["list", "--json", "--data-dir", data])).stdout) as {
      backups: { kind: string }[];
    };
    expect(listed.backups.filter((b) => b.kind === "pre_restore")).toEqual([]);
  }, 120_000);

  test("a backup waits for a program that holds manifest.json, and completes when it lets go", async () => {
    const dataDir = tempDir("business-app-wine-manifest-");
    const data = windowsPath(dataDir);
    await addUser(wine, data, "boss");
    expect((await runExe(wine, ["backup", "--data-dir", data])).exitCode).toBe(0);
    const held = await holdFile(wine, join(dataPaths(dataDir).backupsDir, "manifest.json"));
    const backup = runExe(wine, ["backup", "--description", "held manifest", "--data-dir", data]);
    await logSays(dataDir, "Another program has manifest.json open; waiting up to 20 s");
    expect(await held.release()).toBe(0);
    const result = await backup;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Backup created: manual_\d{8}_\d{6}_held_manifest\.db/);
    // The person at the command line sees what it waited for.
    expect(result.stderr).toContain("WARNING - Another program has manifest.json open; waiting up to 20 s");
    const manifest = JSON.parse(readFileSync(join(dataPaths(dataDir).backupsDir, "manifest.json"), "utf8"));
    expect(Object.values(manifest.backups).map((b) => (b as { description: string }).description)).toContain(
      "held manifest",
    );
  }, 120_000);

  test("a data folder whose path is too long for Windows is refused at start, naming the limit", async () => {
    const deep = join(tempDir("business-app-wine-long-"), "a".repeat(120), "b".repeat(60));
    mkdirSync(deep, { recursive: true });
    const result = await runExe(wine, ["backup", "--data-dir", windowsPath(deep)]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("The data folder's path is too long");
    expect(result.stderr).toContain("more than the 259 this system allows");
    expect(existsSync(dataPaths(deep).backupsDir)).toBe(false);
  });

  test("a double-click (no arguments, a console of its own) opens the browser at the first-run link", async () => {
    const dataDir = tempDir("business-app-wine-click-");
    const seen = join(tempDir("business-app-wine-browser-"), "opened.txt");
    // Wine hands URLs to the program named here: a stand-in browser that writes down what it got.
    const browser = join(tempDir("business-app-wine-browser-"), "browser.sh");
    writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${seen}'\n`);
    chmodSync(browser, 0o755);
    const key = "HKCU\\Software\\Wine\\WineBrowser";
    const reg = Bun.spawnSync(["wine", "reg", "add", key, "/v", "Browsers", "/d", browser, "/f"], {
      env: { ...process.env, ...wine.env },
    });
    expect(reg.exitCode).toBe(0);
    const port = freePort();
    // `start` gives the program a console of its own, as Explorer does for a double-click.
    const env = {
      ...process.env,
      ...wine.env,
      BUSINESS_APP_DATA_DIR: windowsPath(dataDir),
      BUSINESS_APP_PORT: String(port),
    };
    const started = Bun.spawn(["wine", "start", "/unix", wine.exe], {
      env,
      stdout: "ignore",
      stderr: "ignore",
    });
    expect(await started.exited).toBe(0);
    try {
      await logSays(dataDir, "No users yet. Open this link");
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !existsSync(seen)) await Bun.sleep(20);
      const link = logLines(dataDir, "No users yet")[0]?.match(
        /http:\/\/localhost:\d+\/setup\?token=\S+/,
      )?.[0];
      expect(link).toBeDefined();
      expect(readFileSync(seen, "utf8").trim()).toBe(link as string);
    } finally {
      // The app runs on by itself; Ctrl+C (SIGINT) is how a test stops it gracefully under Wine.
      // Only this run's executable: its folder's name is this run's own (Wine shows it Z:\…\app\…).
      const ours = `${basename(dirname(dirname(wine.exe)))}.app.BusinessApp\\.exe`;
      Bun.spawnSync(["pkill", "-INT", "-f", ours]);
      await logSays(dataDir, "Application stopped");
    }
  }, 120_000);
});
