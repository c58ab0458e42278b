import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROUTE_ACCESS } from "../../src/web/access.ts";
import { makeWebApp } from "../web/app-fixture.ts";

const BAD_NAMES = [
  "../business_data.db",
  "..%2fbusiness_data.db",
  "%2e%2e%2fbusiness_data.db",
  "..%5cbusiness_data.db",
  "/etc/passwd",
  "%2fetc%2fpasswd",
  "C:%5cWindows%5csystem.db",
  "C:\\Windows\\system.db",
  "x%00.db",
  "manifest.json",
  "backup.log",
  ".hidden.db",
  "nope.db",
  "%2e%2e",
  "a".repeat(300),
];

const BAD_BODIES: { type: string; body: string }[] = [
  { type: "application/json", body: "{not json" },
  { type: "application/json", body: "[1,2,3]" },
  { type: "application/json", body: '{"description": 42}' },
  { type: "application/json", body: JSON.stringify({ description: "x".repeat(10_000) }) },
  { type: "application/json", body: '{"description": "ok", "extra": true}' },
  { type: "text/plain", body: "description=hello" },
  { type: "application/x-www-form-urlencoded", body: `description=${"y".repeat(10_000)}` },
  { type: "application/x-www-form-urlencoded", body: "name=..%2fbusiness_data.db" },
  {
    type: "multipart/form-data; boundary=zzz",
    body: '--zzz\r\nContent-Disposition: form-data; name="x"\r\n\r\ncut off',
  },
  { type: "application/octet-stream", body: "\u0000\u0001\u0002" },
];

/** Every file in the data folder with its size and content hash: "nothing on disk changed". */
function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (name === "backup.log" || name.endsWith("-wal") || name.endsWith("-shm")) continue;
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (name.endsWith(".db") && !path.includes("database_backups")) out.push(name);
      else out.push(`${name}:${new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex")}`);
    }
  };
  walk(dir);
  return out.join("\n");
}

describe("bad input to every route", () => {
  test("bad names, bodies and content types get a 4xx with a message and change nothing on disk", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    web.db.sqlite.run("CREATE TABLE items (name TEXT)");
    web.db.sqlite.run("INSERT INTO items VALUES ('kept')");
    await web.engine.createBackup({ kind: "manual", description: "the only one" });
    // Its full check follows in the background, holding the operation lock to record it.
    await web.engine.settled();
    const before = snapshot(web.paths.dataDir);
    let tried = 0;
    const problems: string[] = [];

    const unsafe = Object.keys(ROUTE_ACCESS).filter(
      (k) => !k.startsWith("GET ") && !k.includes("/api/session") && k !== "POST /logout",
    );
    const withNames = Object.keys(ROUTE_ACCESS).filter((k) => k.includes("/backups/:name"));
    for (const key of withNames) {
      const [method, pattern] = key.split(" ") as [string, string];
      for (const name of BAD_NAMES) {
        tried++;
        const res = await web.request(pattern.replace(":name", name), {
          method,
          cookie: boss.token,
          csrf: boss.csrfToken,
        });
        if (res.status < 400 || res.status >= 500)
          problems.push(`${key} with ${JSON.stringify(name)}: ${res.status}`);
      }
    }
    for (const key of unsafe) {
      const [method, pattern] = key.split(" ") as [string, string];
      if (pattern.includes(":name") || pattern === "/backup/emergency-restore" || key.includes("emergency"))
        continue;
      const path = pattern.replace(":id", "999999");
      for (const { type, body } of BAD_BODIES) {
        tried++;
        const res = await web.request(path, {
          method,
          cookie: boss.token,
          csrf: boss.csrfToken,
          headers: { "Content-Type": type, "HX-Request": "true" },
          body,
        });
        const text = await res.text();
        if (res.status >= 500)
          problems.push(`${key} with ${type} ${body.slice(0, 30)}: ${res.status} ${text.slice(0, 120)}`);
        if (text.includes("    at ")) problems.push(`${key}: a stack trace in the answer`);
      }
    }
    for (const path of ["/static/..%2fpackage.json", "/static/%2e%2e%2fpackage.json", "/static/x%00.js"]) {
      tried++;
      expect((await web.request(path)).status).toBe(404);
    }
    // A create that an acceptable body started may still be running, or what follows it.
    await web.engine.settled();
    // The data is untouched; every bad request was refused or harmless.
    expect(problems).toEqual([]);
    expect(web.db.sqlite.query("SELECT name FROM items").all()).toEqual([{ name: "kept" }]);
    const after = snapshot(web.paths.dataDir);
    // Creating backups and drills with acceptable bodies is allowed, and the audit trail and the
    // alerts keep their records; nothing else may change.
    const changing = [
      "manual_",
      "manifest.json",
      "pre_restore_",
      "business_audit.db",
      "alerts.json",
      "drill.json",
    ];
    const strip = (s: string) =>
      s
        .split("\n")
        .filter((l) => !changing.some((prefix) => l.startsWith(prefix)))
        .join("\n");
    expect(strip(after)).toBe(strip(before));
    console.log(`bad inputs tried: ${tried}`);
    expect(tried).toBeGreaterThan(100);
  });

  test("HTML and script in a description are shown as text everywhere", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const evil = `<img src=x onerror=alert(1)><script>alert("x")</script>`;
    await web.engine.createBackup({ kind: "manual", description: evil });
    for (const path of ["/backup/status", "/backup/list", "/"]) {
      const html = await (await web.request(path, { cookie: boss.token })).text();
      expect(html).not.toContain("<img src=x");
      expect(html).not.toContain('<script>alert("x")');
    }
    const api = (await (await web.request("/api/backups", { cookie: boss.token })).json()) as {
      backups: { description: string }[];
    };
    expect(api.backups[0]?.description).toBe(evil);
  });
});
