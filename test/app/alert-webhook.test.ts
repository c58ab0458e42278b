import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AlertWebhook, maskUrl } from "../../src/app/alerts/alert-webhook.ts";
import { createApp } from "../../src/app.ts";
import { createLog } from "../../src/lib/log.ts";
import { manualClock } from "../backup/fixtures.ts";
import { dataPaths, tempDir } from "../helpers.ts";

/** A real HTTP server on this machine that keeps what it receives and answers as told. */
function receiver() {
  const received: { body: Record<string, unknown>; authorization: string | null; url: string }[] = [];
  const answers: number[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      received.push({
        body: (await req.json()) as Record<string, unknown>,
        authorization: req.headers.get("authorization"),
        url: new URL(req.url).pathname + new URL(req.url).search,
      });
      return new Response(null, { status: answers.shift() ?? 204 });
    },
  });
  return { received, answers, server, base: `127.0.0.1:${server.port}` };
}

const hook = receiver();
afterAll(() => hook.server.stop(true));
const SECRET_URL = `http://shop:pa55word@${hook.base}/services/T0/B0/S3CR3T?token=abc123`;

describe("alerts reach the webhook", () => {
  test("a start and an end of an alert are POSTed as JSON, once each, also across a restart; the log names only the host", async () => {
    hook.received.length = 0;
    const dataDir = tempDir("business-app-webhook-");
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    let free = 10 * 1024 ** 3;
    const make = () =>
      createApp(
        {
          flags: { data_dir: dataDir },
          env: { BUSINESS_APP_ALERT_WEBHOOK_URL: SECRET_URL },
          appDir: dataDir,
          cwd: dataDir,
        },
        { clock, echo: null, freeSpace: () => free },
      );
    const app = make();
    app.db.open();
    await app.engine.createBackup({ kind: "manual" });
    expect(app.alerts.refresh()).toEqual([]);
    free = 1024;
    clock.advance(60_000);
    expect(app.alerts.refresh().map((a) => a.id)).toEqual(["low_disk_space"]);
    app.alerts.refresh();
    await app.alerts.settled();
    expect(hook.received).toHaveLength(1);
    const [started] = hook.received;
    expect(started?.url).toBe("/services/T0/B0/S3CR3T?token=abc123");
    expect(started?.authorization).toBe(`Basic ${btoa("shop:pa55word")}`);
    expect(started?.body).toMatchObject({
      event: "alert.started",
      status: "degraded",
      app: "BusinessApp",
      at: clock().toISOString(),
      alert: {
        id: "low_disk_space",
        since: clock().toISOString(),
        message: expect.stringContaining("Only 1.0 KB"),
      },
    });
    // Another process of the app on the same folder knows the alert was announced.
    const again = make();
    expect(again.alerts.refresh().map((a) => a.id)).toEqual(["low_disk_space"]);
    await again.alerts.settled();
    expect(hook.received).toHaveLength(1);
    free = 10 * 1024 ** 3;
    clock.advance(60_000);
    expect(again.alerts.refresh()).toEqual([]);
    await again.alerts.settled();
    expect(hook.received.map((r) => r.body.event)).toEqual(["alert.started", "alert.cleared"]);
    expect(hook.received[1]?.body).toMatchObject({ status: "ok", alert: { id: "low_disk_space" } });
    const log = readFileSync(join(dataPaths(dataDir).backupsDir, "backup.log"), "utf8");
    expect(log).toContain(`Alert notification sent to http://${hook.base}/…: alert.started low_disk_space`);
    expect(log).toContain("WARNING - Alert: Only 1.0 KB of disk space is free");
    expect(log).toContain("INFO - Alert cleared: low disk space");
    for (const secret of ["pa55word", "S3CR3T", "abc123", "shop:"]) expect(log).not.toContain(secret);
  });

  test("a refused notification is tried again after its back-off, then given up, without blocking the sender", async () => {
    hook.received.length = 0;
    hook.answers.push(500, 503, 500, 500);
    const dir = tempDir("business-app-webhook-log-");
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const log = createLog({ path: join(dir, "backup.log"), clock, echo: null });
    const webhook = new AlertWebhook({ url: SECRET_URL, log, clock, retryDelaysMs: [0, 0] });
    const alert = { id: "drill_failed", since: clock().toISOString(), message: "m", action: "a" };
    webhook.send("alert.started", alert, "degraded");
    webhook.send("alert.cleared", alert, "ok");
    // Queued, not yet sent: the caller never waits for the receiver.
    expect(hook.received).toHaveLength(0);
    await webhook.settled();
    // The first: 500, 503, 500 (three tries, given up); the second: 500, then 204.
    expect(hook.received.map((r) => r.body.event)).toEqual([
      "alert.started",
      "alert.started",
      "alert.started",
      "alert.cleared",
      "alert.cleared",
    ]);
    const text = readFileSync(join(dir, "backup.log"), "utf8");
    expect(text).toContain(
      `WARNING - Alert notification to http://${hook.base}/… failed (HTTP 500); it is tried again in 0 s`,
    );
    expect(text).toContain(
      `WARNING - Alert notification to http://${hook.base}/… failed (HTTP 500); alert.started drill_failed was not delivered`,
    );
    expect(text).toContain("Alert notification sent to");
    expect(text).not.toContain("pa55word");
  });

  test("no receiver at the address: the failure is logged without the address's secrets", async () => {
    const dir = tempDir("business-app-webhook-none-");
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const log = createLog({ path: join(dir, "backup.log"), clock, echo: null });
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = closed.port;
    closed.stop(true);
    const webhook = new AlertWebhook({
      url: `http://u:p4ss@127.0.0.1:${port}/x?key=k3y`,
      log,
      clock,
      retryDelaysMs: [],
    });
    webhook.send("alert.started", { id: "backup_stale", since: clock().toISOString() }, "degraded");
    await webhook.settled();
    const text = readFileSync(join(dir, "backup.log"), "utf8");
    expect(text).toContain(`Alert notification to http://127.0.0.1:${port}/… failed (`);
    expect(text).not.toContain("p4ss");
    expect(text).not.toContain("k3y");
  });

  test("the address in the log is its scheme and host", () => {
    expect(maskUrl("https://user:pw@hooks.example.com:8443/services/T0/B0/XYZ?token=1")).toBe(
      "https://hooks.example.com:8443/…",
    );
    expect(maskUrl("https://example.com/")).toBe("https://example.com/");
    expect(maskUrl("not a url")).toBe("(an address that cannot be read)");
  });
});
