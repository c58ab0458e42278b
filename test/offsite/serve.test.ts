import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { acquireFileLock } from "../../src/lib/file-lock.ts";

import { addUserByCli, appCommand, cleanEnv, dataPaths, signIn, startApp, tempDir } from "../helpers.ts";

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
  } finally {
    stopped = await app.stop();
  }
  expect(stopped).toBe(0);
});
