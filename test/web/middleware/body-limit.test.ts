import { describe, expect, test } from "bun:test";
import { bodyLimits, FORM_BODY_LIMIT } from "../../../src/web/middleware/body-limit.ts";
import { countedBody } from "../counted-body.ts";
import { bareApp, ORIGIN } from "./bare-app.ts";

function setup() {
  const bare = bareApp();
  bare.app.use(bodyLimits());
  bare.app.post("/api/items", async (c) => c.text(`${(await c.req.text()).length} bytes`));
  bare.app.post("/backup/upload", async (c) => c.text(`${(await c.req.text()).length} bytes`));
  return bare;
}

describe("body limits", () => {
  test("a Content-Length over 64 KiB is 413 before a byte is read, in JSON under /api", async () => {
    const { app } = setup();
    const body = countedBody(300 * 1024 * 1024);
    const res = await app.request(`${ORIGIN}/api/items`, {
      method: "POST",
      headers: { "Content-Length": String(300 * 1024 * 1024) },
      body: body.stream,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: "request.too_large", message: "The request is too large (at most 64.0 KB)." },
    });
    expect(body.read()).toBe(0);
  });

  test("a body without Content-Length is refused as soon as it passes the limit", async () => {
    const { app } = setup();
    const body = countedBody(8 * 1024 * 1024);
    const res = await app.request(`${ORIGIN}/api/items`, { method: "POST", body: body.stream });
    expect(res.status).toBe(413);
    expect(body.read()).toBeLessThanOrEqual(FORM_BODY_LIMIT + 16 * 1024);
  });

  test("a body within the limit reaches the route whole; the upload route counts its own bytes", async () => {
    const { app } = setup();
    const small = await app.request(`${ORIGIN}/api/items`, {
      method: "POST",
      body: countedBody(60 * 1024).stream,
    });
    expect(await small.text()).toBe(`${60 * 1024} bytes`);
    const upload = await app.request(`${ORIGIN}/backup/upload`, {
      method: "POST",
      body: countedBody(1024 * 1024).stream,
    });
    expect(await upload.text()).toBe(`${1024 * 1024} bytes`);
  });
});
