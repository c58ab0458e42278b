import { describe, expect, test } from "bun:test";
import { isLoopbackHost } from "../../src/lib/hosts.ts";

describe("loopback hosts", () => {
  test("localhost, every address of 127.0.0.0/8 and ::1 are this machine itself", () => {
    for (const host of [
      "localhost",
      "LOCALHOST",
      "127.0.0.1",
      "127.1.2.3",
      "127.255.255.255",
      "::1",
      "[::1]",
    ]) {
      expect(isLoopbackHost(host)).toBe(true);
    }
  });

  test("any other name or address, and text that only looks like one, is not", () => {
    for (const host of [
      "0.0.0.0",
      "::",
      "192.168.1.5",
      "128.0.0.1",
      "127.0.0.256",
      "127.0.0",
      "localhost.evil.example",
      "127.0.0.1.evil.example",
      "shop-pc",
      "",
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
