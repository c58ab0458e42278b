import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AUDIT_FIELD_MAX, createAuditTrail, pruneAuditTrail } from "../../src/auth/audit.ts";
import { dataPaths } from "../../src/config/paths.ts";
import { createLog } from "../../src/lib/log.ts";
import { manualClock } from "../backup/fixtures.ts";
import { startApp, tempDir } from "../helpers.ts";
import { makeWebApp } from "../web/app-fixture.ts";

const DAY = 86_400_000;

function openTrail() {
  const paths = dataPaths(tempDir("business-app-audit-"));
  const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
  const log = createLog({ path: paths.log, echo: null, clock });
  return { clock, log, paths, audit: createAuditTrail({ path: paths.audit, clock }) };
}

/** The size of an SQLite file with what its -wal holds, as another connection sees it. */
function databaseBytes(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    const pages = db.query("PRAGMA page_count").get() as { page_count: number };
    const size = db.query("PRAGMA page_size").get() as { page_size: number };
    return pages.page_count * size.page_size;
  } finally {
    db.close();
  }
}

describe("audit trail", () => {
  test("hundreds of refused cross-origin posts with a 16 KB Origin grow the audit trail by a few KB at most", async () => {
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    const web = makeWebApp({ clock });
    web.auth.audit.count();
    const before = databaseBytes(web.paths.audit);
    const origin = `http://${"x".repeat(16 * 1024)}.example`;
    for (let i = 0; i < 400; i++) {
      const res = await web.request("/login", {
        method: "POST",
        headers: { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
        body: "username=a&password=b",
      });
      expect(res.status).toBe(403);
    }
    const grown = databaseBytes(web.paths.audit) - before;
    console.log(`audit trail growth after 400 refused posts: ${grown} bytes`);
    expect(grown).toBeLessThanOrEqual(8 * 1024);
    const rows = web.auth.audit.newest(1000);
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(row.action).toBe("csrf");
      expect([...(row.target ?? "")].length).toBeLessThanOrEqual(AUDIT_FIELD_MAX);
      expect(row.target).toStartWith("POST /login: cross-origin request from http://xxx");
    }
    // A minute later the next refusal writes its own row and one summary of the rest.
    clock.advance(61_000);
    await web.request("/login", {
      method: "POST",
      headers: { Origin: "http://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      body: "username=a&password=b",
    });
    const targets = web.auth.audit.newest(1000).map((r) => r.target);
    expect(targets).toHaveLength(7);
    expect(targets).toContain("395 more refused requests from unknown");
    expect(targets).toContain("POST /login: cross-origin request from http://evil.example");
  });

  test("refusals without a session: a few rows per address and minute, then one summary row", () => {
    const { audit, clock } = openTrail();
    const refuse = (address: string) =>
      audit.recordAnonymous({ action: "sign-in", outcome: "failure", username: "x", clientAddress: address });
    for (let i = 0; i < 8; i++) refuse("10.0.0.1");
    for (let i = 0; i < 2; i++) refuse("10.0.0.2");
    expect(audit.newest(100).map((r) => r.clientAddress)).toEqual([
      ...Array(2).fill("10.0.0.2"),
      ...Array(5).fill("10.0.0.1"),
    ]);
    // Within the minute nothing is summarized yet; at the stop every count is written.
    audit.flushRefusals();
    expect(audit.newest(100)).toHaveLength(7);
    clock.advance(30_000);
    refuse("10.0.0.1");
    audit.flushRefusals({ all: true });
    const summaries = audit.newest(100).filter((r) => r.action === "refused requests");
    expect(summaries.map((r) => [r.target, r.clientAddress, r.outcome])).toEqual([
      ["4 more refused requests from 10.0.0.1", "10.0.0.1", "denied"],
    ]);
    // Signed-in actions are never held back.
    for (let i = 0; i < 10; i++) audit.record({ action: "user: add", outcome: "success", userId: null });
    expect(audit.newest(100).filter((r) => r.action === "user: add")).toHaveLength(10);
  });

  test("every text field is cut to 200 characters", () => {
    const { audit } = openTrail();
    const long = "é".repeat(1000);
    audit.record({
      action: long,
      outcome: "denied",
      username: long,
      target: long,
      clientAddress: long,
    });
    const [row] = audit.newest(1);
    for (const text of [row?.action, row?.username, row?.target, row?.clientAddress]) {
      expect([...(text ?? "")]).toHaveLength(AUDIT_FIELD_MAX);
      expect(text).toEndWith("é…");
    }
  });

  test("retention by age and by count; a pruning is logged once as INFO with its count", () => {
    const { audit, clock, log, paths } = openTrail();
    for (let i = 0; i < 30; i++) {
      audit.record({ action: `old ${i}`, outcome: "success" });
      clock.advance(DAY);
    }
    // Now: 30 rows, one a day, the oldest 30 days old.
    expect(pruneAuditTrail(audit, { days: 20, maxEntries: 1000 }, log)).toBe(10);
    expect(audit.newest(100)).toHaveLength(20);
    expect(pruneAuditTrail(audit, { days: 20, maxEntries: 1000 }, log)).toBe(0);
    expect(pruneAuditTrail(audit, { days: 365, maxEntries: 15 }, log)).toBe(5);
    const kept = audit.newest(100).map((r) => r.action);
    expect(kept).toHaveLength(15);
    expect(kept.at(0)).toBe("old 29");
    expect(kept.at(-1)).toBe("old 15");
    const lines = readFileSync(paths.log, "utf8").trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        / - INFO - Audit trail pruned: 10 entries removed \(kept: the last 20 days, at most 1000 entries\)$/,
      ),
      expect.stringMatching(/ - INFO - Audit trail pruned: 5 entries removed/),
    ]);
  });

  test("the app applies the retention at start", async () => {
    const dataDir = tempDir();
    const paths = dataPaths(dataDir);
    const old = createAuditTrail({ path: paths.audit, clock: () => new Date(Date.now() - 400 * DAY) });
    for (let i = 0; i < 3; i++) old.record({ action: "sign-in", outcome: "success" });
    old.close();
    const recent = createAuditTrail({ path: paths.audit, clock: () => new Date() });
    recent.record({ action: "sign-in", outcome: "success" });
    recent.close();
    const app = await startApp({ dataDir, args: ["--no-startup-backup"] });
    expect(await app.stop()).toBe(0);
    const pruned = app.output().match(/Audit trail pruned: .*/g) ?? [];
    expect(pruned).toEqual([
      "Audit trail pruned: 3 entries removed (kept: the last 365 days, at most 100000 entries)",
    ]);
    const check = new Database(join(dataDir, "business_audit.db"), { readonly: true });
    expect(check.query("SELECT COUNT(*) AS n FROM audit_log").get()).toEqual({ n: 1 });
    check.close();
  });
});
