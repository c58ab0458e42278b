import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLog, formatLogLine, type LogLevel } from "../../src/lib/log.ts";
import { hasControlCharacters } from "../../src/lib/text.ts";
import { dataPaths, tempDir } from "../helpers.ts";

const at = new Date(2025, 8, 22, 14, 30, 0);

describe("log", () => {
  test("writes the seed's exact line format with local time", () => {
    const path = join(dataPaths(tempDir()).backupsDir, "backup.log");
    const log = createLog({ path, clock: () => at, echo: null });
    log.info("Database backup created: backup_20250922_143000.db");
    log.warning("Low disk space");
    log.error("Failed to create backup: disk full");
    expect(readFileSync(path, "utf8")).toBe(
      "2025-09-22 14:30:00 - INFO - Database backup created: backup_20250922_143000.db\n" +
        "2025-09-22 14:30:00 - WARNING - Low disk space\n" +
        "2025-09-22 14:30:00 - ERROR - Failed to create backup: disk full\n",
    );
  });

  test("keeps one event on one line", () => {
    expect(formatLogLine("ERROR", "first\nsecond", at)).toBe("2025-09-22 14:30:00 - ERROR - first | second");
  });

  test("a bare CR, an escape sequence or a bidi override in a message is written out, not obeyed", () => {
    const line = formatLogLine(
      "INFO",
      "name\r2025-09-22 14:30:00 - ERROR - fake \u001b[2J \u202egnp.exe",
      at,
    );
    expect(line).toBe(
      "2025-09-22 14:30:00 - INFO - name\\r2025-09-22 14:30:00 - ERROR - fake \\x1b[2J \\u202egnp.exe",
    );
    expect(hasControlCharacters(line)).toBe(false);
  });

  test("creates the file owner-read/write only", () => {
    if (process.platform === "win32") return;
    const path = join(tempDir(), "backup.log");
    createLog({ path, echo: null }).info("hello");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  test("echoes every line to the console sink with its level", () => {
    const seen: [LogLevel, string][] = [];
    const log = createLog({
      path: join(tempDir(), "a.log"),
      clock: () => at,
      echo: (l, line) => seen.push([l, line]),
    });
    log.info("one");
    log.error("two");
    expect(seen).toEqual([
      ["INFO", "2025-09-22 14:30:00 - INFO - one"],
      ["ERROR", "2025-09-22 14:30:00 - ERROR - two"],
    ]);
  });

  test("rotates past the size limit and keeps only the newest rotated files", () => {
    const dir = tempDir();
    const path = join(dir, "backup.log");
    const log = createLog({ path, clock: () => at, echo: null, maxBytes: 200, keep: 3 });
    for (let i = 0; i < 40; i++) log.info(`event number ${String(i).padStart(3, "0")}`);
    expect(statSync(path).size).toBeLessThanOrEqual(200);
    for (const n of [1, 2, 3]) expect(existsSync(`${path}.${n}`)).toBe(true);
    expect(existsSync(`${path}.4`)).toBe(false);
    // Newest events in the live file, the ones just before them in .1, nothing lost in between.
    const live = readFileSync(path, "utf8").trim().split("\n");
    const previous = readFileSync(`${path}.1`, "utf8").trim().split("\n");
    expect(live.at(-1)).toEndWith("event number 039");
    const firstLive = Number(live[0]?.slice(-3));
    expect(previous.at(-1)).toEndWith(`event number ${String(firstLive - 1).padStart(3, "0")}`);
  });

  test("a rotation that fails loses no line: it is written, and a later line rotates", () => {
    const dir = tempDir();
    const path = join(dir, "backup.log");
    // A folder where the rotated file should go makes the rename fail, as a program holding the log does on Windows.
    mkdirSync(`${path}.1`);
    writeFileSync(join(`${path}.1`, "in the way"), "x");
    const log = createLog({ path, clock: () => at, echo: null, maxBytes: 120, keep: 1 });
    for (let i = 0; i < 6; i++) log.info(`event number ${i}`);
    const kept = readFileSync(path, "utf8").trim().split("\n");
    expect(kept.map((l) => l.slice(-1))).toEqual(["0", "1", "2", "3", "4", "5"]);
    // Once the way is clear, the next line rotates the grown file.
    rmSync(`${path}.1`, { recursive: true });
    log.info("event number 6");
    expect(readFileSync(`${path}.1`, "utf8")).toContain("event number 5");
    expect(readFileSync(path, "utf8").trim()).toEndWith("event number 6");
  });

  test("a failure to write the file does not throw", () => {
    const dir = tempDir();
    const blocker = join(dir, "not-a-folder");
    writeFileSync(blocker, "x");
    const log = createLog({ path: join(blocker, "backup.log"), echo: null });
    expect(() => log.error("still fine")).not.toThrow();
  });
});
