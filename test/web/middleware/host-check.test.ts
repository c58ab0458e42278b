import { describe, expect, test } from "bun:test";
import { hostCheck } from "../../../src/web/middleware/host-check.ts";
import { bareApp } from "./bare-app.ts";

function appFor(listenHost: string, allowedHosts: string[] = []) {
  const bare = bareApp();
  bare.app.use(hostCheck({ listenHost, allowedHosts }));
  bare.app.get("/api/health", (c) => c.json({ status: "ok" }));
  bare.app.get("/login", (c) => c.html("<p>sign in</p>"));
  const get = (path: string, host: string) =>
    bare.app.request(`http://x${path}`, { headers: { Host: host } });
  return { ...bare, get };
}

describe("host check", () => {
  test("on a loopback address: loopback names and allowed_hosts pass, other names and addresses are 403", async () => {
    const { get } = appFor("127.0.0.1", ["shop-pc.local"]);
    for (const host of [
      "localhost:5000",
      "127.0.0.1:5000",
      "[::1]:5000",
      "LOCALHOST",
      "shop-pc.local:5000",
    ]) {
      expect((await get("/api/health", host)).status).toBe(200);
    }
    for (const host of ["evil.example:5000", "localhost.evil.example", "192.168.1.5:5000", "0.0.0.0"]) {
      expect((await get("/api/health", host)).status).toBe(403);
    }
  });

  test("a refused name answers JSON under /api and a page elsewhere", async () => {
    const { get } = appFor("127.0.0.1");
    const api = await get("/api/health", "evil.example");
    expect(await api.json()).toEqual({
      error: {
        code: "request.host_not_allowed",
        message: 'This app does not answer to the name "evil.example". Add it to allowed_hosts to use it.',
      },
    });
    const page = await get("/login", "evil.example");
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("<!DOCTYPE html>");
  });

  test("opened to the network: any IP address passes (a rebinding needs a name), other names do not", async () => {
    const { get } = appFor("0.0.0.0");
    for (const host of ["192.168.1.5:5000", "[fe80::1]:5000", "localhost:5000"]) {
      expect((await get("/api/health", host)).status).toBe(200);
    }
    expect((await get("/api/health", "shop-pc.local")).status).toBe(403);
  });

  test("a malformed Host is 400 with a clear message, JSON under /api, and no ERROR line", async () => {
    const { get, logText } = appFor("127.0.0.1");
    for (const host of ["a b", "x/y", "localhost:port", "[::1", "local_host", "localhost:5000:1"]) {
      const api = await get("/api/health", host);
      expect(api.status).toBe(400);
      const body = (await api.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("request.bad_host");
      expect(body.error.message).toContain("Host header is not a host name or address");
      const page = await get("/login", host);
      expect(page.status).toBe(400);
      expect(await page.text()).toContain("Bad request");
    }
    expect(logText()).not.toContain(" - ERROR - ");
  });
});
