import { describe, expect, test } from "bun:test";
import { recoveryGate } from "../../../src/web/middleware/recovery-gate.ts";
import { bareApp, ORIGIN } from "./bare-app.ts";

function appIn(recovery: { active: boolean }) {
  const bare = bareApp(recovery);
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

  test("in recovery mode a page leads to the recovery page; the API says why with 503 and Retry-After; no ERROR line", async () => {
    const { app, logText } = appIn({ active: true });
    const page = await app.request(`${ORIGIN}/`);
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/recovery");
    const posted = await app.request(`${ORIGIN}/`, { method: "POST" });
    expect(posted.headers.get("location")).toBe("/recovery");
    // htmx follows HX-Redirect (it would swap a 303's page into the part it asked for).
    const swapped = await app.request(`${ORIGIN}/`, { headers: { "HX-Request": "true" } });
    expect(swapped.headers.get("hx-redirect")).toBe("/recovery");
    const api = await app.request(`${ORIGIN}/api/status`);
    expect(api.status).toBe(503);
    expect(api.headers.get("retry-after")).toBe("60");
    const body = (await api.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("app.recovery_mode");
    expect(body.error.message).toContain("business-app restore --latest");
    expect(logText()).not.toContain(" - ERROR - ");
  });

  test("in recovery mode an error page leads to the recovery page, not to the dashboard", async () => {
    const { app } = appIn({ active: true });
    const html = await (await app.request(`${ORIGIN}/recovery/nothing-here`)).text();
    expect(html).toContain('<a href="/recovery">Open the recovery page</a>');
    expect(html).not.toContain("Back to the dashboard");
    const normal = await (await appIn({ active: false }).app.request(`${ORIGIN}/nothing-here`)).text();
    expect(normal).toContain('<a href="/">Back to the dashboard</a>');
  });

  test("in recovery mode the recovery page, the health check and the static files still answer", async () => {
    const { app } = appIn({ active: true });
    for (const path of ["/recovery", "/api/health", "/static/app.css"]) {
      expect(await (await app.request(`${ORIGIN}${path}`)).text()).toBe("answered");
    }
  });
});
