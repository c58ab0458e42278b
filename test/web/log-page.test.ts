import { describe, expect, test } from "bun:test";
import { makeWebApp } from "./app-fixture.ts";

const TOKEN = "9gknew3qlY7pjCGgirNEVtl89JPe_HEMciaAykIscLk";

describe("the Log page", () => {
  test("newest lines first, warnings and errors on their own, one-time tokens hidden; in the sidebar for administrators only", async () => {
    const web = makeWebApp();
    const { log } = web.built;
    log.info("Database backup created: first.db");
    log.info(`Open this link once to restore a backup: http://localhost:5000/recovery?token=${TOKEN}`);
    log.warning(
      "Backup evil.db failed its check: trigger `keep_session` is not part of BusinessApp's schema",
    );
    log.error("Failed to create backup: not enough disk space");
    log.info("Database backup created: last.db");
    const admin = await web.as("admin");
    const res = await web.request("/log", { cookie: admin.token });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('href="/log" aria-current="page"');
    expect(page).not.toContain(TOKEN);
    expect(page).toContain("recovery?token=…");
    const order = ["last.db", "not enough disk space", "evil.db", "recovery?token", "first.db"].map((t) =>
      page.indexOf(t),
    );
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] as number)))).toBe(true);
    expect(page).toContain('<li class="log-error">');
    expect(page).toContain("5 lines");

    const problems = await (await web.request("/log?level=problems", { cookie: admin.token })).text();
    expect(problems).toContain("not enough disk space");
    expect(problems).toContain("evil.db");
    expect(problems).not.toContain("first.db");
    expect(problems).toContain("2 lines");

    const user = await web.as("user");
    const home = await (await web.request("/", { cookie: user.token })).text();
    expect(home).not.toContain('href="/log"');
    expect((await web.request("/log", { cookie: user.token })).status).toBe(403);
  });

  test("the download is the whole backup.log, as an attachment, with the tokens hidden", async () => {
    const web = makeWebApp();
    web.built.log.info(`No users yet. Open this link: http://localhost:5000/setup?token=${TOKEN}`);
    web.built.log.warning("Something to see");
    const admin = await web.as("super_admin");
    const res = await web.request("/log/download", { cookie: admin.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="backup.log"');
    expect(res.headers.get("content-type")).toStartWith("text/plain");
    const text = await res.text();
    expect(text).toContain("setup?token=…");
    expect(text).not.toContain(TOKEN);
    expect(text.trim().split("\n")).toHaveLength(2);
  });
});
