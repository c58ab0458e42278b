import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { addUserByCli, runCli, signIn, trySignIn } from "../helpers.ts";
import { serverWithAdmin } from "./fault-helpers.ts";

/** BUSINESS_APP_LONG_TESTS=1 runs the full 30 seconds; by default a shorter run keeps CI fast. */
const SECONDS = process.env.BUSINESS_APP_LONG_TESTS === "1" ? 30 : 6;
const CLIENTS = 50;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

describe("load", () => {
  test(`${CLIENTS} clients for ${SECONDS} s with backups every 3 s and a restore in the middle`, async () => {
    const { dataDir, app: server } = await serverWithAdmin(4, {}, ["--schedule", "*/3 * * * * *"]);
    for (let i = 0; i < 5; i++) {
      await addUserByCli(dataDir, `clerk${i}`, "user");
    }
    const statuses = new Map<number, number>();
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    const end = Date.now() + SECONDS * 1000;
    const warmRss = { value: 0 };

    // After the restore the clerks may not exist (the backup has the users it had), and failed
    // sign-ins are throttled: every answer is counted, and a client without a session tries again.
    const session = async (n: number) => {
      const answer = await trySignIn(server, `clerk${n % 5}`);
      count(answer.status);
      return answer.session?.cookie ?? "";
    };

    async function client(n: number) {
      let cookie = await session(n);
      let i = 0;
      while (Date.now() < end) {
        i++;
        const path = i % 3 === 0 ? "/backup/list" : "/backup/status";
        const res = await fetch(`${server.url}${path}`, {
          headers: { Cookie: cookie, ...(path === "/backup/list" ? { "HX-Request": "true" } : {}) },
          redirect: "manual",
        });
        count(res.status);
        await res.arrayBuffer();
        if (res.status === 303 || res.status === 401 || i % 10 === 0) cookie = await session(n);
      }
    }

    const before = new Set(
      (
        JSON.parse((await runCli(["list", "--json", "--data-dir", dataDir])).stdout) as {
          backups: { name: string }[];
        }
      ).backups.map((b) => b.name),
    );
    const boss = await signIn(server, "boss");
    const headers = {
      Cookie: boss.cookie,
      "X-CSRF-Token": boss.csrfToken,
      "Content-Type": "application/json",
      Origin: server.url,
    };
    // The schedule runs a backup every 3 s, so this one may meet it: 409 means "busy, try again".
    const post = (path: string) =>
      fetch(`${server.url}${path}`, { method: "POST", headers, body: '{"description":"load seed"}' });
    let seedRes = await post("/api/backups");
    for (let attempt = 0; attempt < 20 && seedRes.status === 409; attempt++) {
      await Bun.sleep(200);
      seedRes = await post("/api/backups");
    }
    const seedBody = await seedRes.text();
    expect(`${seedRes.status} ${seedBody}`).toStartWith("201");
    const seed = JSON.parse(seedBody) as { backup: { name: string } };
    before.add(seed.backup.name);

    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
    await Bun.sleep((SECONDS * 1000) / 3);
    warmRss.value = rssMiB(server.proc.pid);
    await Bun.sleep((SECONDS * 1000) / 6);
    let restoreStatus = 0;
    for (let attempt = 0; attempt < 20 && restoreStatus !== 200; attempt++) {
      const res = await fetch(`${server.url}/api/backups/${seed.backup.name}/restore`, {
        method: "POST",
        headers,
      });
      restoreStatus = res.status;
      if (res.status === 409) await Bun.sleep(200);
    }
    await Promise.all(clients);
    const endRss = rssMiB(server.proc.pid);
    expect(await server.stop()).toBe(0);

    const summary = [...statuses].map(([s, n]) => `${n}×${s}`).join(", ");
    console.log(
      `load: ${summary}; restore ${restoreStatus}; RSS ${warmRss.value.toFixed(0)} → ${endRss.toFixed(0)} MiB`,
    );
    expect(restoreStatus).toBe(200);
    for (const status of statuses.keys()) {
      expect(status < 500 || status === 503).toBe(true);
    }
    expect(endRss - warmRss.value).toBeLessThan(64);
    const after = new Set(
      (
        JSON.parse((await runCli(["list", "--json", "--data-dir", dataDir])).stdout) as {
          backups: { name: string }[];
        }
      ).backups.map((b) => b.name),
    );
    // No backup lost: all that were there are still there (retention keeps 10 automatic ones; these are manual).
    for (const name of before) expect(after.has(name)).toBe(true);
    expect([...after].some((n) => n.startsWith("backup_"))).toBe(true);
  }, 120_000);
});
