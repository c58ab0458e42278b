import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { KEY_FILE } from "../../src/offsite/crypto/keys.ts";
import { appLaidOutFolder, builtExecutable, dataPaths, ROOT, runCli, startApp, tempDir } from "../helpers.ts";
import { ageDecrypt } from "../offsite/age-cli.ts";
import { missing } from "../tools.ts";

let built = "";

beforeAll(() => {
  built = builtExecutable();
}, 120_000);

/** A PATH with no Bun and no Node on it: the executable must need neither. */
const BARE_ENV = { PATH: "/nonexistent" };

describe("compiled executable", () => {
  test("alone in an empty folder, started from elsewhere, it serves and keeps its files beside itself", async () => {
    const alone = tempDir("business-app-alone-");
    const exe = join(alone, "business-app");
    copyFileSync(built, exe);
    const elsewhere = tempDir("business-app-elsewhere-");

    const app = await startApp({ command: [exe], cwd: elsewhere, env: BARE_ENV });
    expect(await (await fetch(`${app.url}/api/health`)).json()).toEqual({ status: "ok" });
    const page = await fetch(`${app.url}/`);
    expect(page.url).toEndWith("/login?next=%2F");
    expect(await page.text()).toContain("Sign in to BusinessApp");
    const script = await fetch(`${app.url}/static/htmx.min.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("htmx");
    expect(await app.stop()).toBe(0);

    expect(readdirSync(alone).sort()).toEqual([
      ".business-app.lock",
      ".business-app.operation.lock",
      "business-app",
      "business_audit.db",
      "business_data.db",
      "database_backups",
    ]);
    // The startup backup ran in the embedded worker and finished before the app stopped.
    // Continuous protection's folder appears once it begins, after the startup backup: maybe not yet.
    expect(
      readdirSync(join(alone, "database_backups"))
        .filter((f) => f !== "continuous")
        .sort(),
    ).toEqual(["alerts.json", "backup.log", "manifest.json", "startup_backup.db"]);
    const log = readFileSync(join(alone, "database_backups", "backup.log"), "utf8");
    expect(log).toContain("INFO - Database backup created: startup_backup.db");
    expect(log).toContain("INFO - Automatic backup scheduler started (every 6 hours)");
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  // Where the sources can be hidden (root may make a mount namespace): the executable's worker
  // threads must come from inside it, not from a source tree that happens to be on this machine.
  const tools = { unshare: Bun.which("unshare"), mount: Bun.which("mount"), sh: Bun.which("sh") };
  const canHide = process.getuid?.() === 0 && Object.values(tools).every((tool) => tool !== null);
  test.skipIf(!canHide)(
    "with this machine's source tree hidden, a backup still runs its checks in the embedded worker",
    async () => {
      const alone = tempDir("business-app-hidden-");
      const exe = join(alone, "business-app");
      copyFileSync(built, exe);
      const dir = await appLaidOutFolder("business-app-hidden-data-");
      // Tools by their full path: the executable runs with a PATH of nothing.
      const hide = '"$1" -t tmpfs tmpfs "$2" && shift 2 && exec "$@"';
      const result = await runCli(["backup", "--data-dir", dir], {
        command: [
          ...[tools.unshare, "--mount", "--propagation", "private", tools.sh, "-c", hide, "sh"],
          ...[tools.mount, join(ROOT, "src"), exe],
        ] as string[],
        cwd: alone,
        env: BARE_ENV,
      });
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      // Made, and fully checked before the command ended: both in the worker.
      expect(result.stdout).toContain("fully checked");
      const listed = await runCli(["list", "--json", "--data-dir", dir], { command: [exe], env: BARE_ENV });
      const [made] = (JSON.parse(listed.stdout) as { backups: { name: string; health: string }[] }).backups;
      expect(made?.health).toBe("verified");
      expect(existsSync(join(dir, "database_backups", made?.name ?? "none"))).toBe(true);
    },
  );

  test("started through a link, its data folder is the real executable's folder", async () => {
    const real = tempDir("business-app-real-");
    const exe = join(real, "business-app");
    copyFileSync(built, exe);
    const links = tempDir("business-app-links-");
    symlinkSync(exe, join(links, "business-app"));
    const app = await startApp({ command: [join(links, "business-app")], env: BARE_ENV });
    expect(await app.stop()).toBe(0);
    expect(existsSync(join(real, "business_data.db"))).toBe(true);
    expect(existsSync(join(links, "business_data.db"))).toBe(false);
  });

  test("--version and bad usage work without Bun or Node installed", async () => {
    const version = await runCli(["--version"], { command: [built], env: BARE_ENV });
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toStartWith("BusinessApp ");
    const bad = await runCli(["--nope"], { command: [built], env: BARE_ENV });
    expect(bad.exitCode).toBe(2);
  });

  test.skipIf(missing("age"))(
    "an encrypted off-site copy is sealed by the system's libcrypto through bun:ffi, and Debian's age opens it",
    async () => {
      const dir = await appLaidOutFolder("business-app-exe-offsite-");
      const mirror = tempDir("business-app-exe-mirror-");
      const passphrase = "the shop's long passphrase";
      const env = {
        ...BARE_ENV,
        BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror,
        BUSINESS_APP_OFFSITE_PASSPHRASE: passphrase,
      };
      const backup = await runCli(["backup", "--data-dir", dir], { command: [built], env });
      expect(backup.stderr).toBe("");
      expect(backup.exitCode).toBe(0);
      const name = /Backup created: (\S+)/.exec(backup.stdout)?.[1] as string;
      const log = readFileSync(dataPaths(dir).log, "utf8");
      expect(log).toMatch(
        new RegExp(`Off-site copy made: ${name}\\.age .*, encrypted by libcrypto\\.so\\.3 \\(bun:ffi\\)\\)`),
      );
      const out = join(dir, "opened.db");
      const opened = await ageDecrypt(join(mirror, `${name}.age`), out, passphrase, join(mirror, KEY_FILE));
      expect(opened.exitCode).toBe(0);
      expect(readFileSync(out)).toEqual(readFileSync(join(dataPaths(dir).backupsDir, name)));
    },
  );

  test("is one executable file", () => {
    expect(statSync(built).isFile()).toBe(true);
    expect(statSync(built).mode & 0o111).not.toBe(0);
  });
});
