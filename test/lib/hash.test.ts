import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256File, sha256Hex } from "../../src/lib/hash.ts";
import { tempDir } from "../helpers.ts";

describe("sha256", () => {
  test("of text and bytes: the standard's test vector", () => {
    const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    expect(sha256Hex("abc")).toBe(abc);
    expect(sha256Hex(new TextEncoder().encode("abc"))).toBe(abc);
  });

  test("of a file read in many chunks equals that of its bytes at once", async () => {
    const bytes = new Uint8Array(5 * 1024 * 1024 + 123);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    const path = join(tempDir(), "big.bin");
    writeFileSync(path, bytes);
    expect(await sha256File(path)).toBe(sha256Hex(bytes));
    const empty = join(tempDir(), "empty.bin");
    writeFileSync(empty, "");
    expect(await sha256File(empty)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  test("of a missing file rejects", async () => {
    await expect(sha256File(join(tempDir(), "missing"))).rejects.toThrow();
  });
});
