import { describe, expect, test } from "bun:test";
import { commandLineUser } from "../../src/cli/wiring.ts";
import { backupTitle, madeBy } from "../../src/views/layout/words.ts";

describe("words for people", () => {
  test("who made a backup, for every maker the app writes", () => {
    expect(madeBy("anna")).toBe("by anna");
    expect(madeBy("command line (anna)")).toBe("by the command line, as user anna");
    expect(madeBy("command line")).toBe("by the command line");
    expect(madeBy("command line (unknown)")).toBe("by the command line");
    expect(madeBy("startup")).toBe("made by BusinessApp at start");
    expect(madeBy("scheduler")).toBe("made on schedule");
    expect(madeBy("recovery page")).toBe("made from the recovery page");
    expect(madeBy(null)).toBeNull();
    // What the command line really writes is read as the command line, with its user.
    expect(madeBy(commandLineUser())).toStartWith("by the command line");
  });

  test("the command line names the OS user only when the system knows it", () => {
    // The runtime reads the user from the environment it starts with: a process of its own each.
    const wiring = new URL("../../src/cli/wiring.ts", import.meta.url).pathname;
    const script = `import { commandLineUser } from ${JSON.stringify(wiring)}; process.stdout.write(commandLineUser());`;
    const run = (user: string) =>
      Bun.spawnSync([process.execPath, "-e", script], {
        env: { ...process.env, USER: user },
      }).stdout.toString();
    expect(run("")).toBe("command line");
    expect(run("anna")).toBe("command line (anna)");
  });

  test("a backup's title is its description, or its kind in words", () => {
    expect(backupTitle({ kind: "manual", description: "Before the stock count" })).toBe(
      "Before the stock count",
    );
    expect(backupTitle({ kind: "automatic", description: "" })).toBe("Automatic backup");
    expect(backupTitle({ kind: "startup", description: "" })).toBe("At start");
    expect(backupTitle({ kind: "pre_restore", description: "" })).toBe("Before restore");
  });
});
