import { expect, test } from "bun:test";
import { realpathSync, symlinkSync } from "node:fs";
import { delimiter, join } from "node:path";
import { DENO, ROOT, startApp, tempDir } from "../helpers.ts";

/**
 * `deno task start`, as the README says, by a person with Deno on the PATH after `npm install`:
 * Deno's task runner takes a command named like one in node_modules/.bin for an npm script and runs
 * it as JavaScript, and `npm install` puts the Deno binary there; the task must still start the app.
 */
test("deno task start serves the app, with a Deno of its own on the PATH and npm's in node_modules/.bin", async () => {
  const bin = tempDir("business-app-global-deno-");
  // The real binary under the name a global install gives it, first on the PATH.
  const deno = join(bin, process.platform === "win32" ? "deno.exe" : "deno");
  symlinkSync(realpathSync(DENO), deno);
  const app = await startApp({
    command: [deno, "task", "start"],
    cwd: ROOT,
    dataDir: tempDir("business-app-deno-task-"),
    args: ["--no-browser"],
    env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
    timeoutMs: 45_000,
  });
  try {
    const health = (await (await fetch(`${app.url}/api/health`)).json()) as { status: string };
    expect(health.status).toBe("ok");
    expect(app.output()).not.toContain("SyntaxError");
  } finally {
    await app.stop();
  }
}, 60_000);
