import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { FORM_BODY_LIMIT } from "../../src/web/middleware/body-limit.ts";
import { dataPaths, type RunningApp, startApp, tempDir } from "../helpers.ts";
import { makeWebApp } from "./app-fixture.ts";
import { countedBody } from "./counted-body.ts";

const MiB = 1024 * 1024;

describe("body limits (app.request)", () => {
  test("forms and JSON: a Content-Length over 64 KiB is 413 before a byte is read", async () => {
    const web = makeWebApp();
    const user = await web.as("user");
    const cases = [
      { path: "/api/session", type: "application/json", cookie: null, json: true },
      { path: "/api/backups", type: "application/json", cookie: user, json: true },
      { path: "/login", type: "application/x-www-form-urlencoded", cookie: null, json: false },
      { path: "/backup/create", type: "application/x-www-form-urlencoded", cookie: user, json: false },
    ];
    for (const { path, type, cookie, json } of cases) {
      const body = countedBody(300 * MiB);
      const res = await web.request(path, {
        method: "POST",
        cookie: cookie?.token ?? null,
        csrf: cookie?.csrfToken ?? null,
        headers: { "Content-Type": type, "Content-Length": String(300 * MiB) },
        body: body.stream,
      });
      expect(res.status).toBe(413);
      expect(body.read()).toBe(0);
      if (json) {
        expect(await res.json()).toEqual({
          error: { code: "request.too_large", message: "The request is too large (at most 64.0 KB)." },
        });
      } else {
        const html = await res.text();
        expect(html).toContain("Too large");
        expect(html).toContain("The request is too large (at most 64.0 KB).");
      }
    }
  });

  test("a body without Content-Length is refused as soon as it passes the limit, even where the CSRF check reads the form", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    for (const [path, type] of [
      ["/api/session", "application/json"],
      ["/api/backups", "application/json"],
      // The CSRF middleware parses these forms for their _csrf field.
      ["/settings", "application/x-www-form-urlencoded"],
      ["/users", "multipart/form-data; boundary=x"],
    ] as const) {
      const body = countedBody(8 * MiB);
      const res = await web.request(path, {
        method: "POST",
        cookie: boss.token,
        headers: { "Content-Type": type },
        body: body.stream,
      });
      expect(res.status).toBe(413);
      expect(body.read()).toBeLessThanOrEqual(FORM_BODY_LIMIT + 16 * 1024);
    }
  });

  test("forms within the limit work as before, streamed or not", async () => {
    const web = makeWebApp();
    const long = new URLSearchParams({ username: "x".repeat(60 * 1024), password: "wrong password" });
    const plain = await web.request("/login", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: long,
    });
    expect(plain.status).toBe(401);
    const bytes = new TextEncoder().encode(
      JSON.stringify({ username: "y".repeat(60 * 1024), password: "p" }),
    );
    const streamed = await web.request("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 4096) controller.enqueue(bytes.subarray(i, i + 4096));
          controller.close();
        },
      }),
    });
    expect(streamed.status).toBe(401);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe(
      "auth.wrong_credentials",
    );
  });

  test("only the upload takes max_upload_mb: a file over 64 KiB streams in, an over-long Content-Length is 413 unread", async () => {
    const web = makeWebApp({ env: { BUSINESS_APP_MAX_UPLOAD_MB: "2" } });
    const boss = await web.as("super_admin");
    web.db.sqlite.run("CREATE TABLE items (data BLOB)");
    web.db.sqlite.run("INSERT INTO items VALUES (randomblob(200000))");
    const good = await web.engine.createBackup({ kind: "manual" });
    const file = new Uint8Array(readFileSync(join(web.paths.backupsDir, good.name)));
    expect(file.length).toBeGreaterThan(FORM_BODY_LIMIT);
    const data = new FormData();
    data.set("_csrf", boss.csrfToken);
    data.set("file", new File([file], "copy.db"));
    const request = new Request("http://x/", { method: "POST", body: data });
    const type = request.headers.get("content-type") as string;
    const ok = await web.request("/backup/upload", {
      method: "POST",
      cookie: boss.token,
      headers: { "Content-Type": type, "HX-Request": "true" },
      body: new Uint8Array(await request.arrayBuffer()),
    });
    expect(ok.status).toBe(200);
    expect(web.engine.list().filter((r) => r.kind === "uploaded")).toHaveLength(1);

    const body = countedBody(3 * MiB);
    const tooLarge = await web.request("/backup/upload", {
      method: "POST",
      cookie: boss.token,
      headers: { "Content-Type": type, "HX-Request": "true", "Content-Length": String(3 * MiB) },
      body: body.stream,
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.text()).toContain("the file is too large (3.0 MB; at most 2.0 MB)");
    expect(body.read()).toBe(0);
  });
});

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}

/**
 * Sends a request over a plain socket: the head, then (after the answer or `waitMs` without
 * one) up to `bodyBytes` of body, and returns what came back. An answer given from the head
 * alone arrives before any body byte, so the server cannot lose it by resetting the connection.
 */
async function rawRequest(port: number, head: string, bodyBytes = 0, waitMs = 10_000): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  let answer = "";
  let closed = false;
  let onAnswer: () => void = () => {};
  socket.on("data", (data) => {
    answer += data.toString("latin1");
    onAnswer();
  });
  socket.on("error", () => {});
  const ended = new Promise<void>((resolve) =>
    socket.on("close", () => {
      closed = true;
      onAnswer();
      resolve();
    }),
  );
  socket.write(head);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await new Promise<void>((resolve) => {
    onAnswer = resolve;
    timer = setTimeout(resolve, waitMs);
  });
  clearTimeout(timer);
  const chunk = Buffer.alloc(MiB, 0x61);
  for (let sent = 0; sent < bodyBytes && !closed; sent += chunk.length) {
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          socket.off("drain", go);
          socket.off("close", go);
          resolve();
        };
        socket.on("drain", go);
        socket.on("close", go);
      });
    }
  }
  socket.end();
  await ended;
  return answer;
}

describe("body limits and Host on the real server", () => {
  let app: RunningApp;
  const dataDir = tempDir();
  beforeAll(async () => {
    app = await startApp({ dataDir, args: ["--no-startup-backup"] });
  });
  afterAll(async () => {
    await app.stop();
  });

  test("a 300 MB body to POST /api/session is refused 413 from its headers, and the server's memory stays put", async () => {
    const before = rssOf(app.proc.pid);
    const size = 300 * MiB;
    const head = `POST /api/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`;
    // A client that sends its whole body without waiting (its answer may be lost to the reset) …
    await rawRequest(app.port, head, size, 0);
    // … and one that reads the answer first.
    const answer = await rawRequest(app.port, head, size);
    expect(answer).toStartWith("HTTP/1.1 413");
    expect(answer).toContain('{"error":{"code":"request.too_large"');
    const grown = rssOf(app.proc.pid) - before;
    console.log(`server memory after a 300 MB body: ${(grown / MiB).toFixed(1)} MiB more`);
    expect(grown).toBeLessThan(32 * MiB);
  });

  test("a chunked body that grows past 64 KiB is refused 413 while it streams", async () => {
    const piece = `${(48 * 1024).toString(16)}\r\n${"a".repeat(48 * 1024)}\r\n`;
    const answer = await rawRequest(
      app.port,
      `POST /api/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${piece}${piece}`,
    );
    expect(answer).toStartWith("HTTP/1.1 413");
    expect(answer).toContain('{"error":{"code":"request.too_large"');
  });

  test("a request without a Host header or with a malformed one is 400 with a clear message, and no ERROR line", async () => {
    // An HTTP/1.0 request may be answered in either version (Bun says 1.1, Deno 1.0).
    const missing = await rawRequest(app.port, "GET /api/health HTTP/1.0\r\n\r\n");
    expect(missing).toMatch(/^HTTP\/1\.[01] 400 /);
    expect(missing).toContain('"code":"request.bad_host"');
    expect(missing).toContain("The request has no Host header.");
    const page = await rawRequest(app.port, "GET /backup/status HTTP/1.0\r\n\r\n");
    expect(page).toMatch(/^HTTP\/1\.[01] 400 /);
    expect(page).toContain("<!DOCTYPE html>");
    for (const host of ["a b", "x/y", "localhost:port", "[::1"]) {
      const answer = await rawRequest(
        app.port,
        `GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer).toStartWith("HTTP/1.1 400");
      expect(answer).toContain("Host header is not a host name or address");
    }
    expect(readFileSync(join(dataPaths(dataDir).backupsDir, "backup.log"), "utf8")).not.toContain(
      " - ERROR - ",
    );
  });
});
