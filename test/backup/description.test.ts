import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { descriptionProblem } from "../../src/backup/catalog/description.ts";
import { InvalidDescriptionError } from "../../src/backup/errors.ts";
import { makeSetup } from "./fixtures.ts";

const CONTROL = "The description may not contain control characters such as line breaks or tabs.";

describe("backup descriptions", () => {
  test("one rule: at most 200 characters, no C0, DEL, C1 or bidirectional controls", () => {
    expect(descriptionProblem("")).toBeNull();
    expect(descriptionProblem("Before the stock count – März ✓")).toBeNull();
    expect(descriptionProblem("🎉".repeat(200))).toBeNull();
    expect(descriptionProblem("x".repeat(201))).toBe("The description may have at most 200 characters.");
    for (const bad of [
      "two\nlines",
      "tab\there",
      "cr\r",
      "\u001b[2Jcleared",
      "del\u007f",
      "\u0085",
      "\u202egnp",
      "\u2067x",
      "\u200f",
      "\u061c",
    ]) {
      expect(descriptionProblem(bad)).toBe(CONTROL);
    }
  });

  test("the engine refuses a description with control characters itself, before anything starts", async () => {
    const { engine, paths } = makeSetup();
    const error = await engine
      .createBackup({ kind: "manual", description: "fine\u001b[2J\u001b[H\nmanual_x.db  manual  fake row" })
      .catch((e) => e);
    expect(error).toBeInstanceOf(InvalidDescriptionError);
    expect(error.code).toBe("backup.bad_description");
    expect(error.message).toBe(CONTROL);
    expect(readdirSync(paths.backupsDir).filter((f) => f.endsWith(".db"))).toEqual([]);
    expect(existsSync(paths.log)).toBe(false); // nothing started, so nothing logged

    const upload = join(paths.backupsDir, ".upload.test.tmp");
    await Bun.write(upload, "whatever");
    const uploaded = await engine
      .importUpload({ tempPath: upload, description: "usb\u202ebd.exe", originalName: "x.db", by: null })
      .catch((e) => e);
    expect(uploaded).toBeInstanceOf(InvalidDescriptionError);
    expect(readdirSync(paths.backupsDir).filter((f) => f.endsWith(".db") || f.endsWith(".tmp"))).toEqual([]);
  });
});
