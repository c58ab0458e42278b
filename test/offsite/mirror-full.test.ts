import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { mountTmpfs } from "../faults/fault-helpers.ts";
import { tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { addMegabytes, offsiteSetup } from "./offsite-fixtures.ts";

test.skipIf(missing("tmpfs"))(
  "the mirror folder's disk fills up: a clear reason, the local backup untouched, nothing listed or left there",
  async () => {
    const mirror = tempDir("business-app-mirror-full-");
    const unmount = mountTmpfs(mirror, "2m");
    try {
      const shop = offsiteSetup({ BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror });
      addMegabytes(shop.db, 4);
      const record = await shop.engine.createBackup({ kind: "manual" });
      const [result] = await shop.offsite.syncNow();
      expect(result?.error?.code).toBe("offsite.full");
      expect(result?.error?.message).toBe(`the disk is full (${mirror})`);
      expect(readdirSync(mirror)).toEqual([]);
      expect(shop.engine.list().map((r) => [r.name, r.health])).toEqual([[record.name, "verified"]]);
      expect(shop.offsite.status()?.lastError).toBe("the disk is full (the mirror folder)");
      expect(await shop.readLog()).toContain(
        `ERROR - Off-site copy to the mirror folder failed: the disk is full (${mirror})`,
      );
    } finally {
      unmount();
    }
  },
);
