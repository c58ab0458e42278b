import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { isCompiledExecutable } from "#runtime/process.ts";
import { BUN, ROOT } from "../helpers.ts";

/** Runs `call` (a function of the process module) in a child with `input` on its standard input. */
async function readInChild(call: "readStdinLine" | "readStdinText", input: string): Promise<unknown> {
  const module = JSON.stringify(join(ROOT, "src/runtime/bun/process.ts"));
  const script = `import { ${call} } from ${module}; console.log(JSON.stringify(await ${call}()));`;
  const child = Bun.spawn([BUN, "-e", script], {
    stdin: new TextEncoder().encode(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`the child failed: ${err}`);
  return JSON.parse(out);
}

describe("process", () => {
  test("readStdinLine gives the first line without its line break", async () => {
    expect(await readInChild("readStdinLine", "yes please\nsecond line\n")).toBe("yes please");
    expect(await readInChild("readStdinLine", "no line break")).toBe("no line break");
    expect(await readInChild("readStdinLine", "")).toBe("");
  });

  test("readStdinText gives all of standard input", async () => {
    expect(await readInChild("readStdinText", "first\nsecond\n")).toBe("first\nsecond\n");
  });

  test("run from source, it is not the compiled executable", () => {
    expect(isCompiledExecutable()).toBe(false);
  });
});
