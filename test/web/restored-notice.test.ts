import { describe, expect, test } from "bun:test";
import { restoredNotice } from "../../src/web/routes/backup/restored.ts";

describe("the sign-in page's notice after a restore (from its address, which anyone can write)", () => {
  test("a backup name, or a moment as milliseconds, with the safety backup", () => {
    expect(restoredNotice("manual_20261206_141502.db", "pre_restore_20261206_141502.db")).toBe(
      "Restored from manual_20261206_141502.db. A safety backup was saved as pre_restore_20261206_141502.db. Everyone was signed out: sign in again.",
    );
    const at = new Date(2026, 11, 6, 14, 4, 57).getTime();
    expect(restoredNotice(undefined, "pre_restore_20261206_141502.db", String(at))).toBe(
      "The database is back as it was at 2026-12-06 14:04:57. A safety backup was saved as pre_restore_20261206_141502.db. Everyone was signed out: sign in again.",
    );
  });

  test("anything else says nothing: text where a moment goes, a name that is no backup's, a safety that is none", () => {
    for (const [restored, safety, at] of [
      [undefined, undefined, "<script>alert(1)</script>"],
      [undefined, undefined, "1e308"],
      [undefined, undefined, "9".repeat(40)],
      ["<b>evil</b>.db", undefined, undefined],
      ["../business_data.db", undefined, undefined],
      [undefined, "<img src=x>", String(Date.now())],
    ] as const)
      expect(restoredNotice(restored, safety, at)).toBeNull();
  });
});
