import { describe, expect, test } from "bun:test";
import { linkSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeError } from "../../src/lib/errors.ts";
import { tempDir } from "../helpers.ts";

/** The error `act` throws, a real one from the file system. */
function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("errors in words", () => {
  test("file system errors are said in words with the path, never as their raw code", () => {
    const dir = tempDir("business-app-errors-");
    const folder = join(dir, "database_backups");
    mkdirSync(folder);
    // A hard link to a folder is refused with EPERM, even to root.
    const refused = thrownBy(() => linkSync(folder, join(dir, "other")));
    expect((refused as { code: string }).code).toBe("EPERM");
    expect(describeError(refused)).toBe(
      `the system does not allow BusinessApp to use ${folder} (no permission)`,
    );
    const missing = join(dir, "gone.db");
    expect(describeError(thrownBy(() => readFileSync(missing)))).toBe(`${missing} does not exist`);
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    expect(describeError(thrownBy(() => mkdirSync(join(file, "sub"))))).toBe(
      `a part of ${join(file, "sub")} is a file, not a folder`,
    );
    for (const error of [refused, thrownBy(() => readFileSync(missing))]) {
      expect(describeError(error)).not.toMatch(/E[A-Z]+:|operation not permitted|no such file/);
    }
  });

  test("other errors keep their own sentence", () => {
    expect(describeError(new Error("The backup is damaged."))).toBe("The backup is damaged.");
    expect(describeError("plain text")).toBe("plain text");
  });
});
