import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cleanEnv, DENO, ROOT } from "../helpers.ts";

/**
 * What a start loads: the modules `src/cli/index.ts` reaches through static imports, as Deno's
 * own resolver sees them (`deno info --json`). The libraries only some features need are loaded at
 * their first use: each module `deno run` loads costs every start (age's library alone took
 * 40–80 ms of Deno's first answer, nodemailer about 55 ms, hash-wasm's WebAssembly about 20 ms).
 */
const LOADED_AT_FIRST_USE = ["age-encryption", "nodemailer", "hash-wasm"];

interface InfoModule {
  specifier: string;
  dependencies?: { specifier: string; code?: { specifier: string }; isDynamic?: boolean }[];
}

const info = Bun.spawnSync(
  [DENO, "info", "--json", "--config", join(ROOT, "deno.json"), join(ROOT, "src", "cli", "index.ts")],
  { env: cleanEnv(), timeout: 120_000 },
);

/** Each module reached from `root` by static imports, with the chain of imports that reached it. */
function staticallyReached(modules: InfoModule[], root: string): Map<string, string[]> {
  const bySpecifier = new Map(modules.map((m) => [m.specifier, m]));
  const reached = new Map<string, string[]>([[root, [root]]]);
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const dep of bySpecifier.get(next)?.dependencies ?? []) {
      const target = dep.code?.specifier;
      if (!target || dep.isDynamic || reached.has(target)) continue;
      reached.set(target, [...(reached.get(next) ?? []), target]);
      queue.push(target);
    }
  }
  return reached;
}

describe("what the app loads when it starts", () => {
  test("Deno's resolver reads the app's module graph", () => {
    expect(info.stderr.toString()).toBe("");
    expect(info.exitCode).toBe(0);
  });

  const modules = info.exitCode === 0 ? (JSON.parse(info.stdout.toString()).modules as InfoModule[]) : [];
  const reached = staticallyReached(modules, pathToFileURL(join(ROOT, "src", "cli", "index.ts")).href);

  test("the start reaches the app's own modules and the libraries every request needs", () => {
    const packages = new Set(
      [...reached.keys()].flatMap((s) => s.match(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []),
    );
    // A walk that found nothing would pass the next test without proving anything.
    expect(reached.size).toBeGreaterThan(200);
    for (const name of ["hono", "zod", "drizzle-orm", "croner"]) expect(packages).toContain(name);
  });

  for (const name of LOADED_AT_FIRST_USE)
    test(`${name} is loaded at its first use, not at the start`, () => {
      const statically = [...reached.entries()].find(([specifier]) =>
        specifier.includes(`/node_modules/${name}/`),
      );
      // The chain of imports that brings it into every start, if one does.
      expect(statically?.[1].map((s) => s.replace(pathToFileURL(ROOT).href, "")) ?? null).toBeNull();
      // And some module does load it (the name is still the library's).
      expect(modules.some((m) => m.specifier.includes(`/node_modules/${name}/`))).toBe(true);
    });
});
