import { existsSync } from "node:fs";

/**
 * Outside programs some tests compare with or drive: the `sqlite3` shell (an independent SQLite
 * that must open every backup), the `age` tool (that must open every encrypted copy), Debian's Chromium, Wine and the MinGW compiler (the Windows
 * executable and its test helpers), Ceph's RADOS Gateway (a real S3 service), qemu (the linux-arm64
 * executable), libfaketime (a clock moved) and root's right to mount a small tmpfs (a full disk). Where one is missing its
 * tests are skipped with a one-line reason; with REQUIRE_TEST_TOOLS=1 (set by `.ci/run`) a missing
 * one fails instead.
 */
export const TOOLS = {
  sqlite3: {
    present: () => Bun.which("sqlite3") !== null,
    install: "apt-get install sqlite3",
  },
  // Debian's age, driven through util-linux `script` (age reads a passphrase only from a terminal).
  age: {
    present: () => Bun.which("age") !== null && Bun.which("script") !== null,
    install: "apt-get install age util-linux",
  },
  chromium: {
    present: () => existsSync(CHROMIUM),
    install: "apt-get install chromium",
  },
  wine: {
    present: () => Bun.which("wine") !== null && Bun.which("wineserver") !== null,
    install: "apt-get install wine wine64",
  },
  mingw: {
    present: () => Bun.which(MINGW_GCC) !== null,
    install: "apt-get install gcc-mingw-w64-x86-64",
  },
  // Mounting a small tmpfs (a full disk, another file system) needs root.
  tmpfs: {
    present: () => process.getuid?.() === 0 && Bun.which("mount") !== null,
    install: "run the tests as root, which may mount a small tmpfs",
  },
  // A real S3 service (Ceph's RADOS Gateway, `rgw.ts`): strict signatures, multipart listings and aborts.
  rgw: {
    present: () =>
      ["monmaptool", "ceph-mon", "ceph-osd", "ceph", "radosgw", "radosgw-admin"].every(
        (b) => Bun.which(b) !== null,
      ),
    install: "apt-get install --no-install-recommends ceph-mon ceph-osd radosgw",
  },
  // Debian's libfaketime: the model test starts the app with its clock moved.
  faketime: {
    present: () => existsSync(FAKETIME_LIBRARY),
    install: "apt-get install faketime",
  },
  qemu: {
    present: () => Bun.which(QEMU_ARM64) !== null && existsSync(`${ARM64_SYSROOT}/lib/ld-linux-aarch64.so.1`),
    install: "apt-get install qemu-user-static libc6-arm64-cross",
  },
} as const;

export const MINGW_GCC = "x86_64-w64-mingw32-gcc";
export const QEMU_ARM64 = "qemu-aarch64-static";
/** The arm64 C library the linux-arm64 executable loads, for qemu's -L. */
export const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";

export const CHROMIUM = "/usr/bin/chromium";
/** Debian's libfaketime (package faketime), preloaded to start a program with its clock moved. */
export const FAKETIME_LIBRARY = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

export type Tool = keyof typeof TOOLS;

const reported = new Set<Tool>();

/** True when `tool` is missing, so `test.skipIf(missing("sqlite3"))` skips; says why once per file. */
export function missing(tool: Tool): boolean {
  if (TOOLS[tool].present()) return false;
  const what = `${tool} (${TOOLS[tool].install})`;
  if (process.env.REQUIRE_TEST_TOOLS === "1") throw new Error(`Tests need ${what}; REQUIRE_TEST_TOOLS=1.`);
  if (!reported.has(tool)) console.warn(`SKIPPED: tests that need ${what}`);
  reported.add(tool);
  return true;
}
