import { describe, expect, test } from "bun:test";
import { recoveryGate } from "../../../src/web/middleware/recovery-gate.ts";
import { bareApp, ORIGIN } from "./bare-app.ts";

function appIn(recovery: { active: boolean }) {
  const bare = bareApp();
  bare.app.use(recoveryGate(recovery));
  for (const path of ["/", "/api/status", "/api/health", "/recovery", "/static/app.css"]) {
    bare.app.get(path, (c) => c.text("answered"));
  }
  return bare;
}

describe("recovery gate", () => {
  test("outside recovery mode every page answers", async () => {
    const { app } = appIn({ active: false });
    expect(await (await app.request(`${ORIGIN}/`)).text()).toBe("answered");
    expect(await (await app.request(`${ORIGIN}/api/status`)).text()).toBe("answered");
  });

  test("in recovery mode a page says why with 503 and Retry-After; JSON under /api; no ERROR line", async () => {
    const { app, logText } = appIn({ active: true });
    const page = await app.request(`${ORIGIN}/`);
    expect(page.status).toBe(503);
    expect(page.headers.get("retry-after")).toBe("60");
    expect(await page.text()).toContain("runs in recovery mode");
    const api = await app.request(`${ORIGIN}/api/status`);
    expect(api.status).toBe(503);
    expect(api.headers.get("retry-after")).toBe("60");
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("app.recovery_mode");
    expect(logText()).not.toContain(" - ERROR - ");
  });

  test("in recovery mode the recovery page, the health check and the static files still answer", async () => {
    const { app } = appIn({ active: true });
    for (const path of ["/recovery", "/api/health", "/static/app.css"]) {
      expect(await (await app.request(`${ORIGIN}${path}`)).text()).toBe("answered");
    }
  });
});
