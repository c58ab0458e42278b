import { describe, expect, test } from "bun:test";
import { passedFullCheck } from "../../src/backup/catalog/manifest.ts";
import { BackgroundWork, BackgroundYieldedError } from "../../src/backup/operations/background.ts";
import { addItems, checkHold, itemNames, makeSetup } from "./fixtures.ts";

describe("background work makes way for what someone starts", () => {
  test("a restore and a backup started while a check is held finish without it; the check runs again after them and is recorded", async () => {
    const gate = checkHold();
    gate.state.holding = false;
    const { engine, db } = makeSetup({ backgroundHold: gate.hold });
    addItems(db, ["apples"]);
    const base = await engine.createBackup({ kind: "manual" });
    await engine.settled();
    expect(passedFullCheck(engine.find(base.name))).toBe(true);

    gate.state.holding = true;
    addItems(db, ["pears"]);
    const held = await engine.createBackup({ kind: "manual" });
    await gate.reached(1);
    expect(engine.checks.running()).toEqual([
      { kind: "backup-check", name: held.name, startedAt: expect.any(String) },
    ]);

    // The held check never finishes (its promise stays pending): the restore does not wait for it.
    const restored = await engine.restore(base.name, { by: "anna" });
    expect(restored.restoredFrom).toBe(base.name);
    expect(itemNames(db)).toEqual(["apples"]);
    expect(passedFullCheck(engine.find(held.name))).toBe(false);

    // Made again once the restore ended, and held again: a backup does not wait for it either.
    await gate.reached(2);
    expect(gate.held[1]?.piece.name).toBe(held.name);
    const next = await engine.createBackup({ kind: "manual" });
    expect(next.health).toBe("verified");
    expect(passedFullCheck(engine.find(held.name))).toBe(false);

    await gate.reached(3);
    gate.state.holding = false;
    for (const h of gate.held) h.release();
    await engine.settled();
    expect(engine.checks.running()).toEqual([]);
    for (const name of [held.name, next.name, restored.safetyBackup as string])
      expect(passedFullCheck(engine.find(name))).toBe(true);
  });

  test("a check stopped by an operation records nothing, even when its work ends afterwards", async () => {
    const gate = checkHold();
    const { engine, db } = makeSetup({ backgroundHold: gate.hold });
    addItems(db, ["apples"]);
    const made = await engine.createBackup({ kind: "manual" });
    await gate.reached(1);
    const before = engine.find(made.name);
    expect(passedFullCheck(before)).toBe(false);

    // No second run: what the stopped check found is all there would be to record.
    engine.stopFollowUps();
    await engine.createBackup({ kind: "manual" });
    gate.held[0]?.release();
    await engine.settled();
    expect(engine.checks.running()).toEqual([]);
    expect(engine.find(made.name)).toEqual(before);
  });

  test("a restore started during a scheduled drill goes through; the drill runs again after it and is recorded once", async () => {
    const gate = checkHold(["drill"]);
    const { engine, db, readLog } = makeSetup({ backgroundHold: gate.hold });
    addItems(db, ["apples"]);
    const base = await engine.createBackup({ kind: "manual" });
    await engine.settled();

    const drilling = engine.drills.scheduled();
    await gate.reached(1);
    expect(engine.checks.running()).toEqual([
      { kind: "drill", name: base.name, startedAt: expect.any(String) },
    ]);
    expect(engine.progress()).toBeNull();

    // The drill is held with its finding in hand: the restore neither waits nor is told "busy".
    addItems(db, ["pears"]);
    const restored = await engine.restore(base.name, { by: "anna" });
    expect(itemNames(db)).toEqual(["apples"]);
    expect(engine.drills.last()).toBeNull();

    await gate.reached(2);
    for (const h of gate.held) h.release();
    const result = await drilling;
    expect(result?.ok).toBe(true);
    expect(engine.drills.last()).toEqual(result);
    await engine.settled();
    expect(passedFullCheck(engine.find(restored.safetyBackup as string))).toBe(true);
    expect((await readLog()).match(/Restore drill passed/g)?.length).toBe(1);
  });

  test("a scheduled drill stopped twice records nothing and is left to the schedule", async () => {
    const gate = checkHold(["drill"]);
    const { engine, db } = makeSetup({ backgroundHold: gate.hold });
    addItems(db, ["apples"]);
    await engine.createBackup({ kind: "manual" });
    await engine.settled();

    const drilling = engine.drills.scheduled().catch((error: unknown) => error);
    await gate.reached(1);
    await engine.createBackup({ kind: "manual" });
    await gate.reached(2);
    await engine.createBackup({ kind: "manual" });
    expect(await drilling).toBeInstanceOf(BackgroundYieldedError);
    for (const h of gate.held) h.release();
    await engine.settled();
    expect(engine.drills.last()).toBeNull();
    expect(engine.checks.running()).toEqual([]);
  });

  test("a backup started during the hourly check of the live database goes through; what the check found is not recorded", async () => {
    const gate = checkHold(["database-check"]);
    const { engine, db } = makeSetup({ backgroundHold: gate.hold });
    addItems(db, ["apples"]);
    const checking = engine.health.refresh().catch((error: unknown) => error);
    await gate.reached(1);
    expect(engine.checks.running()).toEqual([
      { kind: "database-check", name: null, startedAt: expect.any(String) },
    ]);

    const made = await engine.createBackup({ kind: "manual" });
    expect(made.health).toBe("verified");
    expect(await checking).toBeInstanceOf(BackgroundYieldedError);
    const afterBackup = engine.health.current;
    gate.held[0]?.release();
    await engine.settled();
    expect(engine.health.current).toBe(afterBackup);

    gate.state.holding = false;
    expect((await engine.health.refresh()).ok).toBe(true);
  });
});

describe("a piece's record, once under way", () => {
  const clock = () => new Date("2026-12-07T10:00:00Z");

  test("an operation starting while the record runs does not undo it: the piece ends recorded, once", async () => {
    const work = new BackgroundWork({ clock });
    let records = 0;
    let letRecordEnd = () => {};
    let recording = () => {};
    const started = new Promise<void>((resolve) => {
      recording = resolve;
    });
    const run = work.run(
      { kind: "backup-check", name: "a.db" },
      async () => "found",
      async (_result, signal) => {
        // As a record under the lock: the signal looked at first, then the writing, which takes a while.
        const kept = !signal.aborted;
        recording();
        await new Promise<void>((resolve) => {
          letRecordEnd = resolve;
        });
        if (kept) records++;
        return kept;
      },
    );
    await started;
    const resume = work.pause();
    letRecordEnd();
    await run;
    expect(records).toBe(1);
    resume();
  });

  test("a record that found the piece stopped says so, and the piece is told to run again", async () => {
    const work = new BackgroundWork({ clock });
    let resume = () => {};
    let recorded = false;
    const run = work.run(
      { kind: "backup-check", name: "a.db" },
      async () => "found",
      async (_result, signal) => {
        // An operation started just before the record took its lock.
        resume = work.pause();
        if (signal.aborted) return false;
        recorded = true;
        return true;
      },
    );
    await expect(run).rejects.toBeInstanceOf(BackgroundYieldedError);
    expect(recorded).toBe(false);
    expect(work.list()).toEqual([]);
    resume();
  });
});
