import { describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveAppDir, SOURCE_ROOT } from "../../src/config/paths.ts";
import { ROOT, tempDir } from "../helpers.ts";

describe("app folder", () => {
  test("from source it is the project root, whatever the working directory", () => {
    expect(SOURCE_ROOT).toBe(ROOT);
    expect(resolveAppDir({ compiled: false, execPath: "/usr/bin/bun", sourceRoot: SOURCE_ROOT })).toBe(ROOT);
  });

  test("compiled it is the folder of the real executable, links resolved", () => {
    const real = join(tempDir(), "app");
    mkdirSync(real);
    writeFileSync(join(real, "business-app"), "");
    const elsewhere = tempDir();
    const link = join(elsewhere, "business-app");
    symlinkSync(join(real, "business-app"), link);
    expect(resolveAppDir({ compiled: true, execPath: link, sourceRoot: ROOT })).toBe(real);
  });
});
