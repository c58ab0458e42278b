import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { acquireFileLock } from "../../src/lib/file-lock.ts";

import { addUserByCli, dataPaths, runCli, signIn, startApp, tempDir } from "../helpers.ts";

interface Status {
  offsite: {
    lastSuccessAt: string | null;
    targets: { copies: number | null; lastCopyAt: string | null }[];
  } | null;
}

test("a serving app copies its startup backup off-site in the background; another run meanwhile is told it is busy", async () => {
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

    const lock = acquireFileLock(join(dataDir, ".business-app.offsite.lock"));
    try {
      const busy = await runCli(["offsite", "sync", "--data-dir", dataDir], { env });
      expect(busy.exitCode).toBe(3);
      expect(busy.stderr).toBe(
        `offsite sync failed: Off-site copies are being made by another run (process ${process.pid}). Try again when it has finished.\n`,
      );
    } finally {
      lock.release();
    }
    const synced = await runCli(["offsite", "sync", "--data-dir", dataDir], { env });
    expect(synced.stdout).toBe(`ok      the mirror folder (${mirror}): 0 copied, 0 removed; 1 there\n`);
  } finally {
    stopped = await app.stop();
  }
  expect(stopped).toBe(0);
});
