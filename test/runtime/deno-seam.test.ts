import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanEnv, denoCommand, ROOT } from "../helpers.ts";

/**
 * The runtime seam's contract under Deno: `deno-checks.ts` runs in `deno run`, where `#runtime/*`
 * is `src/runtime/deno/`, and reports each check; the same contracts are tested under Bun beside
 * this file. A password hash crosses both ways.
 */
const bunHash = await Bun.password.hash("correct horse", {
  algorithm: "argon2id",
  memoryCost: 8192,
  timeCost: 2,
});
const child = Bun.spawnSync([...denoCommand(join(ROOT, "test", "runtime", "deno-checks.ts")), bunHash], {
  env: cleanEnv(),
  // Bounded: a Deno that hangs fails "every check ran" with its exit code instead of stalling the run.
  timeout: 120_000,
});
const lines = child.stdout
  .toString()
  .trim()
  .split("\n")
  .map(
    (line) =>
      JSON.parse(line) as { results?: Record<string, string | null>; denoHash?: string; aead?: string },
  );
const results = lines.find((line) => line.results)?.results ?? {};
const denoHash = lines.find((line) => line.denoHash)?.denoHash ?? "";
const aead = lines.find((line) => line.aead)?.aead ?? "";

describe("the runtime seam under Deno", () => {
  test("every check ran", () => {
    expect(child.stderr.toString()).toBe("");
    expect(child.exitCode).toBe(0);
    expect(Object.keys(results).length).toBeGreaterThanOrEqual(8);
  });

  for (const [name, failure] of Object.entries(results)) {
    test(name, () => {
      expect(failure).toBeNull();
    });
  }

  test("this machine's libcrypto seals Deno's encrypted copies, through its FFI", () => {
    expect(aead).toBe("libcrypto.so.3 (Deno FFI)");
  });

  test("Bun verifies the hash Deno made", async () => {
    expect(await Bun.password.verify("correct horse", denoHash)).toBe(true);
    expect(await Bun.password.verify("correct horsf", denoHash)).toBe(false);
  });
});
