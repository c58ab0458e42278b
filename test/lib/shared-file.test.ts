import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { acquireFileLock, LockHeldError } from "../../src/lib/files/file-lock.ts";
import { lockWithin } from "../../src/lib/files/shared-file.ts";
import { BUN, ROOT, tempDir } from "../helpers.ts";

/** A process of the app that makes `count` changes to the record file at `path`, all at once. */
function writer(path: string, name: string, count: number) {
  const script = `import { SharedRecordFile } from ${JSON.stringify(join(ROOT, "src/lib/files/shared-file.ts"))};
    const file = new SharedRecordFile(${JSON.stringify(path)}, (v) => v ?? { entries: {} });
    await Promise.all(Array.from({ length: ${count} }, (_, i) =>
      file.change((r) => { r.entries[${JSON.stringify(name)} + i] = i; })));
    console.log("done");`;
  return Bun.spawn([BUN, "-e", script], { stdout: "pipe", stderr: "pipe" });
}

describe("a record file shared by processes", () => {
  test("changes made at once by three processes are all kept: none is written over by another's", async () => {
    const path = join(tempDir(), "offsite.json");
    const processes = ["a", "b", "c"].map((name) => writer(path, name, 40));
    for (const proc of processes) {
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect({ out: out.trim(), err, code }).toEqual({ out: "done", err: "", code: 0 });
    }
    const { entries } = JSON.parse(readFileSync(path, "utf8")) as { entries: Record<string, number> };
    expect(Object.keys(entries).length).toBe(120);
  });

  test("a change waits for another holder of the lock, and gives up after its wait with the holder named", async () => {
    const path = join(tempDir(), "record.json.lock");
    const held = acquireFileLock(path);
    setTimeout(() => held.release(), 200);
    const started = Date.now();
    const lock = await lockWithin(path, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    const refused = await lockWithin(path, 50).catch((error) => error);
    expect(refused).toBeInstanceOf(LockHeldError);
    expect((refused as LockHeldError).pid).toBe(process.pid);
    lock.release();
  });
});
