import { describe, expect, test } from "bun:test";
import { passedFullCheck } from "../../src/backup/catalog/manifest.ts";
import { checkHold } from "../backup/fixtures.ts";
import { makeWebApp } from "./app-fixture.ts";

describe("background work, as the status and the API show it", () => {
  test("a check held in the background is listed by GET /api/status and said on the page; a restore through the API goes through meanwhile", async () => {
    const gate = checkHold();
    gate.state.holding = false;
    const web = makeWebApp({ backgroundHold: gate.hold });
    const boss = await web.as("super_admin");
    const base = await web.engine.createBackup({ kind: "manual" });
    await web.engine.settled();
    const idle = (await (await web.request("/api/status", { cookie: boss.token })).json()) as {
      background: unknown[];
    };
    expect(idle.background).toEqual([]);

    gate.state.holding = true;
    web.clock.advance?.(60_000);
    const held = await web.engine.createBackup({ kind: "manual" });
    await gate.reached(1);
    const status = (await (await web.request("/api/status", { cookie: boss.token })).json()) as {
      background: unknown[];
      operation: unknown;
    };
    expect(status.operation).toBeNull();
    expect(status.background).toEqual([
      { kind: "backup-check", name: held.name, startedAt: web.clock().toISOString() },
    ]);
    const page = await (await web.request("/backup/status", { cookie: boss.token })).text();
    expect(page).toContain(
      `Checking backup ${held.name} in the background — it pauses when you start something.`,
    );

    const restored = await web.request(`/api/backups/${base.name}/restore`, {
      method: "POST",
      cookie: boss.token,
      csrf: boss.csrfToken,
    });
    expect(restored.status).toBe(200);
    expect(((await restored.json()) as { restoredFrom: string }).restoredFrom).toBe(base.name);

    gate.state.holding = false;
    for (const h of gate.held) h.release();
    await web.engine.settled();
    expect(passedFullCheck(web.engine.find(held.name))).toBe(true);
  });
});
