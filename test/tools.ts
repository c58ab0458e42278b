import { existsSync } from "node:fs";

/**
 * Outside programs some tests compare with or drive: the `sqlite3` shell (an independent SQLite
 * that must open every backup) and Debian's Chromium. Where one is missing its tests are skipped
 * with a one-line reason; with REQUIRE_TEST_TOOLS=1 (set by `.ci/run`) a missing one fails instead.
 */
export const TOOLS = {
  sqlite3: {
    present: () => Bun.which("sqlite3") !== null,
    install: "apt-get install sqlite3",
  },
  chromium: {
    present: () => existsSync(CHROMIUM),
    install: "apt-get install chromium",
  },
} as const;

export const CHROMIUM = "/usr/bin/chromium";

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
