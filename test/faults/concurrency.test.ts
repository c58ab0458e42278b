import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { acquireFileLock } from "../../src/lib/files/file-lock.ts";
import { dataPaths, runCli } from "../helpers.ts";
import { missing } from "../tools.ts";
import { integrity, serverWithAdmin } from "./fault-helpers.ts";

describe("concurrency", () => {
  test.skipIf(missing("sqlite3"))(
    "20 simultaneous backups and a restore: each answer is a success or a clear 409, no corrupt file",
    async () => {
      // 21 creates as one user: on a slow machine more than the default hourly limit of manual
      // backups can start one after another, and this test is about the lock, not that limit.
      const { dataDir, app, headers } = await serverWithAdmin(8, {
        BUSINESS_APP_MANUAL_BACKUPS_PER_HOUR: "100",
      });
      const seed = await fetch(`${app.url}/api/backups`, {
        method: "POST",
        headers,
        body: '{"description":"seed"}',
      });
      expect(seed.status).toBe(201);
      const { backup } = (await seed.json()) as { backup: { name: string } };

      const creates = Array.from({ length: 20 }, (_, i) =>
        fetch(`${app.url}/api/backups`, {
          method: "POST",
          headers,
          body: JSON.stringify({ description: `burst ${i}` }),
        }),
      );
      const restore = fetch(`${app.url}/api/backups/${backup.name}/restore`, { method: "POST", headers });
      const answers = await Promise.all([...creates, restore]);
      const statuses = answers.map((r) => r.status);
      const restored = statuses[20] === 200;
      expect([200, 409]).toContain(statuses[20] as number);
      for (const res of answers.slice(0, 20)) {
        // A restore ends every session and holds requests back while it swaps the file, so next to
        // a successful one "signed out" (401) and "restore in progress" (503) are right answers too.
        expect(restored ? [201, 409, 401, 503] : [201, 409]).toContain(res.status);
        const body = (await res.json()) as { error?: { code: string } };
        if (res.status === 409) expect(body.error?.code).toBe("backup.busy");
        if (res.status === 503) expect(body.error?.code).toBe("app.restore_in_progress");
      }
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(0);
      console.log(
        `answers: ${statuses.filter((s) => s === 201).length}×201, ${statuses.filter((s) => s === 409).length}×409, restore ${statuses[20]}`,
      );
      expect(await app.stop()).toBe(0);

      const list = JSON.parse((await runCli(["list", "--json", "--data-dir", dataDir])).stdout) as {
        backups: { name: string; health: string }[];
      };
      const names = list.backups.map((b) => b.name);
      expect(new Set(names).size).toBe(names.length);
      for (const b of list.backups) {
        expect(b.health).toBe("verified");
        expect(integrity(join(dataPaths(dataDir).backupsDir, b.name))).toBe("ok");
      }
    },
    60_000,
  );

  test("a backup or restore held by another process: the server answers 409 and the command line exits 3", async () => {
    const { dataDir, app, headers } = await serverWithAdmin(2);
    // This test process plays the other one: it holds the operation lock, as a running backup does.
    const held = acquireFileLock(join(dataDir, ".business-app.operation.lock"));
    try {
      const refused = await fetch(`${app.url}/api/backups`, { method: "POST", headers, body: "{}" });
      expect(refused.status).toBe(409);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("backup.busy");
      expect(body.error.message).toContain(`process ${process.pid}`);
      const cli = await runCli(["backup", "--data-dir", dataDir]);
      expect(cli.exitCode).toBe(3);
      expect(cli.stderr).toContain("Another backup or restore is running");
    } finally {
      held.release();
    }
    // Once it is free, both work again.
    expect((await fetch(`${app.url}/api/backups`, { method: "POST", headers, body: "{}" })).status).toBe(201);
    expect((await runCli(["backup", "--data-dir", dataDir])).exitCode).toBe(0);
    expect(await app.stop()).toBe(0);
  }, 60_000);
});
