import { describe, expect, test } from "bun:test";
import { leftoverOf, tempNameFor, tempPathFor } from "../../src/lib/files/temp-name.ts";

describe("temporary names", () => {
  test("one form, hidden beside the file, saying what for and by which process", () => {
    expect(tempNameFor("manual_20250922_150000.db", "snapshot")).toBe(
      `.manual_20250922_150000.db.snapshot.${process.pid}.tmp`,
    );
    expect(tempPathFor("/data/business-app.config.json", "save", 17)).toBe(
      `/data/.business-app.config.json.save.${process.pid}.17.tmp`,
    );
  });

  test("every one the app makes, an older version's and SQLite's files beside one are leftovers; nothing else is", () => {
    for (const name of [
      tempNameFor("backup_20250922_143000.db", "snapshot"),
      `${tempNameFor("backup_20250922_143000.db", "snapshot")}-journal`,
      `${tempNameFor("upload", "arriving", "0f3c")}-wal`,
      ".manual_20250101_000000.db.999.tmp",
      ".upload.999.0f3c.tmp",
    ])
      expect(leftoverOf(name)).not.toBeNull();
    for (const name of ["notes.tmp", ".hidden-journal", "backup.tmp.db", ".tmp", "x.db"])
      expect(leftoverOf(name)).toBeNull();
    // In a folder shared with others, only the app's own.
    const settings = (inner: string) => inner.startsWith("business-app.config.json.");
    expect(leftoverOf(tempNameFor("business-app.config.json", "save", 1), settings)).not.toBeNull();
    expect(leftoverOf(".business-app.config.json.999.1700000000000.tmp", settings)).not.toBeNull();
    expect(leftoverOf(".someone-elses.save.999.tmp", settings)).toBeNull();
  });
});
