import { describe, expect, test } from "bun:test";
import { addItems } from "../backup/fixtures.ts";
import { memoryS3, placeEnv } from "./fake-places.ts";
import { offsiteSetup } from "./offsite-fixtures.ts";

/** How many times the test looks again for the run that follows (each after the runs going on). */
const LOOKS = 200;

describe("off-site copies in the background make way for an operation someone starts", () => {
  test("a run held in the middle of a copy is given up for a backup, counts as no failure, and runs again after it", async () => {
    const place = memoryS3();
    const shop = offsiteSetup(placeEnv(place));
    const { engine, db, offsite } = shop;
    // As a serving app wires it (`startServices`).
    engine.checks.onOperation((ended) => offsite.makeWay(ended));
    addItems(db, ["apples"]);
    const first = await engine.createBackup({ kind: "manual" });

    let reached = () => {};
    const held = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const never = new Promise<void>(() => {});
    place.knobs.beforePut = (key) => {
      if (!key.includes(first.name)) return Promise.resolve();
      reached();
      return never;
    };
    offsite.start();
    await held;
    expect(offsite.status()?.running).toBe(true);

    // The copy on its way never finishes: the backup does not wait for it.
    const second = await engine.createBackup({ kind: "manual" });
    place.knobs.beforePut = null;
    const copied = () =>
      [first.name, second.name].every((name) => [...place.objects.keys()].some((k) => k.includes(name)));
    for (let look = 0; look < LOOKS && !copied(); look++) {
      await offsite.idle();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(copied()).toBe(true);
    const status = offsite.status();
    expect(status?.failedRuns).toBe(0);
    expect(status?.lastError).toBeNull();
    expect(await shop.readLog()).not.toContain("failed");
    await offsite.stop();
  });
});
