import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquireFileLock } from "../../src/lib/files/file-lock.ts";

import {
  addUserByCli,
  appCommand,
  cleanEnv,
  dataPaths,
  type RunningApp,
  runCli,
  signIn,
  startApp,
  tempDir,
} from "../helpers.ts";

interface Status {
  offsite: {
    lastSuccessAt: string | null;
    targets: { copies: number | null; lastCopyAt: string | null }[];
  } | null;
}

test("a serving app copies its startup backup off-site in the background; offsite sync meanwhile waits for its run", async () => {
  const dataDir = tempDir("business-app-serve-offsite-");
  const mirror = tempDir("business-app-usb-");
  const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror };
  expect((await addUserByCli(dataDir)).exitCode).toBe(0);
  const app = await startApp({ dataDir, env });
  let stopped: number | null = null;
  try {
    const { cookie } = await signIn(app, "boss");
    // The copy follows the startup backup in the background: wait for it, at most 15 s.
    let status: Status = { offsite: null };
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await Bun.sleep(50)) {
      status = (await (
        await fetch(`${app.url}/api/status`, { headers: { Cookie: cookie } })
      ).json()) as Status;
      if (status.offsite?.targets[0]?.copies === 1) break;
    }
    expect(status.offsite?.targets[0]?.copies).toBe(1);
    expect(status.offsite?.lastSuccessAt).not.toBeNull();
    expect(readFileSync(join(dataPaths(dataDir).backupsDir, "backup.log"), "utf8")).toContain(
      "INFO - Off-site copy made: startup_backup.db to the mirror folder",
    );

    // Another run holds the off-site lock: the command waits for it, says so, then makes its own run.
    const lock = acquireFileLock(join(dataDir, ".business-app.offsite.lock"));
    let released = false;
    const sync = Bun.spawn([...appCommand(), "offsite", "sync", "--data-dir", dataDir], {
      cwd: tempDir("business-app-cwd-"),
      env: cleanEnv(env),
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const stderr = sync.stderr.getReader();
      let said = "";
      // Read until it says it waits (or its output ends); each read is bounded by the process.
      while (!said.includes("Waiting")) {
        const chunk = await stderr.read();
        if (chunk.done) break;
        said += new TextDecoder().decode(chunk.value);
      }
      stderr.releaseLock();
      expect(said).toBe("Waiting for the app's off-site copy to finish…\n");
      lock.release();
      released = true;
      const [stdout, exitCode] = await Promise.all([new Response(sync.stdout).text(), sync.exited]);
      expect(exitCode).toBe(0);
      expect(stdout).toBe(`ok      the mirror folder (${mirror}): 0 copied, 0 removed; 1 there\n`);
    } finally {
      if (!released) lock.release();
      sync.kill();
    }
    await offsiteDrills({ app, cookie, dataDir, mirror, env });
  } finally {
    stopped = await app.stop();
  }
  expect(stopped).toBe(0);
});

/**
 * `drill --from mirror --json` beside the serving app (as the command line runs it: the executable
 * under `npm test`), and what the status, the dashboard and the Database Backup page then say;
 * a copy damaged in the place fails it (exit 1) and raises the alert; a place not set up is exit 2.
 */
async function offsiteDrills(shop: {
  app: RunningApp;
  cookie: string;
  dataDir: string;
  mirror: string;
  env: Record<string, string>;
}) {
  const { app, cookie, dataDir, mirror, env } = shop;
  const get = (path: string) => fetch(`${app.url}${path}`, { headers: { Cookie: cookie } });
  const drill = (from: string, json = true) =>
    runCli(["drill", "--from", from, ...(json ? ["--json"] : []), "--data-dir", dataDir], { env });
  const passed = await drill("mirror");
  expect(passed.stderr).toBe("");
  expect(passed.exitCode).toBe(0);
  const result = JSON.parse(passed.stdout);
  expect(result).toMatchObject({
    ok: true,
    place: "mirror",
    backup: "startup_backup.db",
    countsCompared: true,
  });
  const status = (await (await get("/api/status")).json()) as {
    drill: { places: unknown[] };
  };
  expect(status.drill.places).toEqual([
    { place: "mirror", label: "the mirror folder", where: mirror, copies: 1, last: result },
  ]);
  const sentence = "Off-site drill (Mirror folder): passed just now with startup_backup.db.";
  expect(await (await get("/")).text()).toContain(sentence);
  expect(await (await get("/backup/status")).text()).toContain(sentence);

  const copy = join(mirror, "startup_backup.db");
  const good = readFileSync(copy);
  const bad = Buffer.from(good);
  bad[bad.length - 10] = (bad[bad.length - 10] as number) ^ 0xff;
  writeFileSync(copy, bad);
  const failed = await drill("mirror", false);
  expect(failed.exitCode).toBe(1);
  expect(failed.stderr).toBe(
    `Off-site drill of the mirror folder (${mirror}) failed with startup_backup.db: the copy startup_backup.db is damaged (${mirror}: its SHA-256 is not the one recorded when it was copied)\n`,
  );
  const alerts = ((await (await get("/api/status")).json()) as { alerts: { id: string }[] }).alerts;
  expect(alerts.map((a) => a.id)).toContain("offsite_drill_failed");
  expect(await (await get("/")).text()).toContain(
    "Off-site drill (Mirror folder): failed just now with startup_backup.db (the copy startup_backup.db is damaged",
  );
  writeFileSync(copy, good);

  const s3 = await drill("s3");
  expect(s3.exitCode).toBe(2);
  expect(s3.stderr).toBe(
    "Off-site drill failed: Off-site copies to S3 are not set up: set offsite_mirror_dir, or offsite_s3_bucket with its endpoint and keys\n",
  );
  const usb = await drill("usb");
  expect(usb.exitCode).toBe(2);
  expect(usb.stderr).toContain("--from must be mirror or s3.");
}
