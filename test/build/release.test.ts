import { Database } from "bun:sqlite";
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unzipSync } from "fflate";
import pkg from "../../package.json";
import { archiveName, describeRuntime } from "../../release.ts";
import { BUN, ROOT, runCli, tempDir } from "../helpers.ts";
import { ARM64_SYSROOT, missing, QEMU_ARM64 } from "../tools.ts";

const sha256 = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

describe("npm run release", () => {
  let outdir: string;
  let output: string;

  beforeAll(async () => {
    outdir = tempDir("business-app-release-");
    // An earlier release is replaced; other files stay.
    writeFileSync(join(outdir, "business-app-0.0.1-linux-x64.tar.gz"), "old");
    writeFileSync(join(outdir, "notes.txt"), "mine");
    const run = await runCli(["--target", "linux-arm64", "--target", "windows-x64", "--outdir", outdir], {
      command: [BUN, join(ROOT, "release.ts")],
    });
    output = run.stdout + run.stderr;
    if (run.exitCode !== 0) throw new Error(`release failed (${run.exitCode}):\n${output}`);
  }, 180_000);

  test("one archive per target, named with the version, and SHA256SUMS over exactly those", () => {
    const archives = [archiveName("linux-arm64"), archiveName("windows-x64")];
    expect(archives).toEqual([
      `business-app-${pkg.version}-linux-arm64.tar.gz`,
      `business-app-${pkg.version}-windows-x64.zip`,
    ]);
    expect(readdirSync(outdir).sort()).toEqual(["SHA256SUMS", ...archives, "notes.txt"].sort());
    const sums = readFileSync(join(outdir, "SHA256SUMS"), "utf8");
    expect(sums).toBe(archives.map((name) => `${sha256(join(outdir, name))}  ${name}\n`).join(""));
    for (const target of ["linux-arm64", "windows-x64"])
      expect(output).toMatch(new RegExp(`${target} +Bun runtime: `));
    expect(output).toContain("wrote SHA256SUMS for 2 archives");
  });

  test("the Windows zip holds BusinessApp\\BusinessApp.exe and FIRST-STEPS.txt with Windows line ends", () => {
    const files = unzipSync(readFileSync(join(outdir, archiveName("windows-x64"))));
    expect(Object.keys(files).sort()).toEqual([
      "BusinessApp/",
      "BusinessApp/BusinessApp.exe",
      "BusinessApp/FIRST-STEPS.txt",
    ]);
    const exe = files["BusinessApp/BusinessApp.exe"] as Uint8Array;
    expect(new TextDecoder().decode(exe.subarray(0, 2))).toBe("MZ");
    expect(exe.length).toBeGreaterThan(20 * 1024 * 1024);
    const steps = new TextDecoder().decode(files["BusinessApp/FIRST-STEPS.txt"]);
    expect(steps).toStartWith(`BusinessApp ${pkg.version} for Windows\r\n`);
    expect(steps).toContain("Windows 10 or later");
    expect(steps.replaceAll("\r\n", "")).not.toContain("\n");
  });

  test("the linux-arm64 archive holds an executable business-app and FIRST-STEPS.txt", () => {
    const listing = Bun.spawnSync([
      "tar",
      "-tvzf",
      join(outdir, archiveName("linux-arm64")),
    ]).stdout.toString();
    const entries = listing
      .trim()
      .split("\n")
      .map((line) => `${line.split(/\s+/)[0]} ${line.split(/\s+/).at(-1)}`)
      .sort();
    expect(entries).toEqual([
      "-rw-r--r-- business-app/FIRST-STEPS.txt",
      "-rwxr-xr-x business-app/business-app",
      "drwxr-xr-x business-app/",
    ]);
  });

  test.skipIf(missing("qemu"))(
    "the linux-arm64 executable runs under qemu: --version and a backup",
    async () => {
      const unpacked = tempDir("business-app-arm64-");
      const tar = Bun.spawnSync(["tar", "-xzf", join(outdir, archiveName("linux-arm64")), "-C", unpacked]);
      expect(tar.exitCode).toBe(0);
      const exe = join(unpacked, "business-app", "business-app");
      const command = [QEMU_ARM64, "-L", ARM64_SYSROOT, exe];
      const version = await runCli(["--version"], { command });
      expect(version.stdout.trim()).toBe(`BusinessApp ${pkg.version}`);
      expect(version.exitCode).toBe(0);

      const dataDir = tempDir("business-app-arm64-data-");
      const add = ["user", "add", "--username", "boss", "--role", "super_admin", "--password-stdin"];
      const added = await runCli([...add, "--data-dir", dataDir], {
        command,
        input: "long enough password\n",
      });
      expect(added.exitCode).toBe(0);
      const backup = await runCli(["backup", "--description", "On arm64", "--data-dir", dataDir], {
        command,
      });
      expect(backup.stdout + backup.stderr).toMatch(/^Backup created: manual_\d{8}_\d{6}_on_arm64\.db/);
      expect(backup.exitCode).toBe(0);
      const name = backup.stdout.match(/Backup created: (\S+\.db)/)?.[1] as string;
      const db = new Database(join(dataDir, "database_backups", name), { readonly: true });
      expect(db.query("PRAGMA integrity_check").values()).toEqual([["ok"]]);
      db.close();
    },
  );
});

describe("the release plan says where each Bun runtime comes from", () => {
  const saved = process.env.BUN_INSTALL_CACHE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.BUN_INSTALL_CACHE_DIR;
    else process.env.BUN_INSTALL_CACHE_DIR = saved;
  });

  test("a runtime not in Bun's cache is named as a download from the npm registry; a cached one is not", () => {
    const cache = tempDir("business-app-bun-cache-");
    process.env.BUN_INSTALL_CACHE_DIR = cache;
    expect(describeRuntime("darwin-x64")).toBe(
      `not cached: downloads @oven/bun-darwin-x64@${Bun.version} from the npm registry into ${cache}`,
    );
    writeFileSync(join(cache, `bun-darwin-aarch64-v${Bun.version}`), "runtime");
    expect(describeRuntime("darwin-arm64")).toBe(
      `cached (${join(cache, `bun-darwin-aarch64-v${Bun.version}`)})`,
    );
    // A folder of that name is not a runtime.
    mkdirSync(join(cache, `bun-windows-x64-v${Bun.version}`));
    expect(describeRuntime("windows-x64")).toStartWith("not cached: downloads @oven/bun-windows-x64@");
    const host = `${process.platform}-${process.arch}`;
    if (host === "linux-x64")
      expect(describeRuntime(host)).toBe(`this Bun (${Bun.version}), nothing to download`);
  });
});
