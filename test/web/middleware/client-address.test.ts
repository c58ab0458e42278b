import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import type { AppEnv } from "../../../src/web/context.ts";
import { clientAddress } from "../../../src/web/middleware/client-address.ts";

describe("client address", () => {
  test("is what the runtime's listener passed with the request, or unknown without a listener", async () => {
    const app = new Hono<AppEnv>();
    app.use(clientAddress);
    app.get("/", (c) => c.text(c.get("clientAddress")));
    expect(await (await app.request("http://localhost/", {}, { remoteAddress: "192.0.2.7" })).text()).toBe(
      "192.0.2.7",
    );
    expect(await (await app.request("http://localhost/", {}, { remoteAddress: null })).text()).toBe(
      "unknown",
    );
    expect(await (await app.request("http://localhost/")).text()).toBe("unknown");
  });
});
