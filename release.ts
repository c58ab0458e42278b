/**
 * Builds the release: `npm run release` (`bun release.ts`) → dist/release/
 *   business-app-<version>-windows-x64.zip
 *   business-app-<version>-{linux-x64,linux-arm64,darwin-arm64,darwin-x64}.tar.gz
 *   SHA256SUMS                              (checked with `sha256sum -c SHA256SUMS`)
 * Each archive holds one folder, BusinessApp\ on Windows and business-app/ elsewhere, with the
 * executable and FIRST-STEPS.txt (from docs/first-steps/); unpacked over an older copy of that
 * folder it replaces those two files and leaves the data beside them alone.
 *   --target T (repeatable)   only these targets        --outdir DIR   instead of dist/release
 * Cross-compiling needs Bun's runtime for the target: it is downloaded from the npm registry the
 * first time and kept in Bun's cache, so later releases work offline. The plan says which.
 */

import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { zipSync } from "fflate";
import { buildExecutable, TARGETS, type Target } from "./build.ts";
import pkg from "./package.json";

const ROOT = import.meta.dir;

/** The archive of one target, named with the version from package.json. */
export function archiveName(target: Target, version = pkg.version): string {
  return `business-app-${version}-${target}.${target === "windows-x64" ? "zip" : "tar.gz"}`;
}

/** Bun's name for a target's runtime, as in its cache and in the npm package @oven/<name>. */
function runtimeName(target: Target): string {
  return `bun-${target.replace("arm64", "aarch64")}`;
}

/** Where Bun keeps downloaded runtimes (its install cache). */
function bunCacheDir(): string {
  const env = process.env;
  if (env.BUN_INSTALL_CACHE_DIR) return env.BUN_INSTALL_CACHE_DIR;
  if (env.BUN_INSTALL) return join(env.BUN_INSTALL, "install", "cache");
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, ".bun", "install", "cache");
  return join(homedir(), ".bun", "install", "cache");
}

/** One line saying where the runtime for `target` comes from, and whether it is downloaded. */
export function describeRuntime(target: Target): string {
  const host = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  if (target === host) return `this Bun (${Bun.version}), nothing to download`;
  const cached = join(bunCacheDir(), `${runtimeName(target)}-v${Bun.version}`);
  if (statSync(cached, { throwIfNoEntry: false })?.isFile()) return `cached (${cached})`;
  return `not cached: downloads @oven/${runtimeName(target)}@${Bun.version} from the npm registry into ${bunCacheDir()}`;
}

/** FIRST-STEPS.txt for `target`: line ends as its system expects. */
function firstSteps(target: Target): string {
  const os = target.split("-")[0] === "darwin" ? "macos" : (target.split("-")[0] as string);
  const read = (name: string) => readFileSync(join(ROOT, "docs", "first-steps", name), "utf8");
  const text = read(`${os}.txt`)
    .replaceAll("{version}", pkg.version)
    .replace("{arch}", target.endsWith("arm64") ? "Apple silicon" : "Intel")
    .replace("{signing}\n", target === "darwin-x64" ? read("macos-x64-signing.txt") : "");
  return os === "windows" ? text.replaceAll("\n", "\r\n") : text;
}

/** Builds `target` and packs it into `outdir`; returns the archive's name. */
function packTarget(target: Target, outdir: string): string {
  const staging = mkdtempSync(join(tmpdir(), "business-app-release-"));
  try {
    const windows = target === "windows-x64";
    const folder = windows ? "BusinessApp" : "business-app";
    const dir = join(staging, folder);
    mkdirSync(dir);
    const built = buildExecutable({ target, outdir: staging });
    const exe = windows ? "BusinessApp.exe" : "business-app";
    renameSync(built, join(dir, exe));
    writeFileSync(join(dir, "FIRST-STEPS.txt"), firstSteps(target));
    const archive = join(outdir, archiveName(target));
    if (windows) {
      const entry = (name: string) => readFileSync(join(dir, name));
      const zip = zipSync({ [folder]: { [exe]: entry(exe), "FIRST-STEPS.txt": entry("FIRST-STEPS.txt") } });
      writeFileSync(archive, zip);
    } else {
      const tar = Bun.spawnSync(["tar", "-czf", archive, "-C", staging, folder], { stderr: "pipe" });
      if (tar.exitCode !== 0) throw new Error(`tar failed for ${target}: ${tar.stderr}`);
    }
    return archiveName(target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** SHA256SUMS in the format of `sha256sum`: one "<hex>  <name>" line per archive. */
function writeChecksums(outdir: string, archives: string[]): void {
  const lines = archives.map((name) => {
    const hash = new Bun.CryptoHasher("sha256").update(readFileSync(join(outdir, name))).digest("hex");
    return `${hash}  ${name}\n`;
  });
  writeFileSync(join(outdir, "SHA256SUMS"), lines.join(""));
}

/** Builds every requested target into `outdir`, replacing an earlier release there. */
export function buildRelease(options: { targets: readonly Target[]; outdir: string }): string[] {
  mkdirSync(options.outdir, { recursive: true });
  for (const name of readdirSync(options.outdir)) {
    if (name === "SHA256SUMS" || /^business-app-.+\.(zip|tar\.gz)$/.test(name))
      rmSync(join(options.outdir, name));
  }
  console.log(`BusinessApp ${pkg.version}: release into ${options.outdir}`);
  for (const target of options.targets)
    console.log(`  ${target.padEnd(13)} Bun runtime: ${describeRuntime(target)}`);
  const archives: string[] = [];
  for (const target of options.targets) {
    const archive = packTarget(target, options.outdir);
    const mb = (statSync(join(options.outdir, archive)).size / 1024 / 1024).toFixed(1);
    console.log(`packed ${archive} (${mb} MB)`);
    archives.push(archive);
  }
  writeChecksums(options.outdir, archives);
  console.log(`wrote SHA256SUMS for ${archives.length} archives`);
  if (options.targets.includes("darwin-x64")) {
    console.log("note: the darwin-x64 executable must be signed again on a Mac (see its FIRST-STEPS.txt)");
  }
  return archives;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: { target: { type: "string", multiple: true }, outdir: { type: "string" } },
    strict: true,
  });
  const targets = (values.target ?? [...TARGETS]) as Target[];
  const unknown = targets.find((t) => !TARGETS.includes(t));
  if (unknown !== undefined) {
    console.error(`Unknown target "${unknown}". Allowed: ${TARGETS.join(", ")}.`);
    process.exit(2);
  }
  buildRelease({ targets, outdir: resolve(ROOT, values.outdir ?? join("dist", "release")) });
}
