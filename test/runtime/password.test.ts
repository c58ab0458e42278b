import { describe, expect, test } from "bun:test";
import { hashArgon2id, verifyArgon2 } from "#runtime/password.ts";

describe("argon2id", () => {
  test("hashes with exactly the parameters given, in the PHC format, and verifies", async () => {
    const hash = await hashArgon2id("correct horse", { memoryCost: 8192, timeCost: 3 });
    expect(hash).toStartWith("$argon2id$v=19$m=8192,t=3,p=1$");
    expect(await verifyArgon2("correct horse", hash)).toBe(true);
    expect(await verifyArgon2("correct horsf", hash)).toBe(false);
  });

  test("two hashes of one password differ (a new salt each time)", async () => {
    const params = { memoryCost: 8192, timeCost: 1 };
    expect(await hashArgon2id("same", params)).not.toBe(await hashArgon2id("same", params));
  });

  test("rejects what is not a hash", async () => {
    await expect(verifyArgon2("anything", "not a hash")).rejects.toThrow();
  });
});
