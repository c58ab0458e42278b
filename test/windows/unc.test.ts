import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { dataPaths, tempDir } from "../helpers.ts";
import { addUser, listUsers, mapShare, prepareWine, runExe, type Wine, wineMissing } from "./wine.ts";

/**
 * A data folder on another PC's shared folder (`\\PC\share\…`), as a shop with a small server or
 * a NAS keeps it: backups are made, checked, listed and restored there as on a local disk.
 */
describe.skipIf(wineMissing())("a data folder on a network path", () => {
  let wine: Wine;
  beforeAll(async () => {
    wine = await prepareWine();
  }, 300_000);

  test("backup, verify, list and restore work on \\\\nas\\shop\\shop data", async () => {
    const shared = tempDir("business-app-wine-share-");
    const share = mapShare(wine, "nas", "shop", shared);
    const data = `${share}\\shop data`;
    const onDisk = join(shared, "shop data");
    mkdirSync(onDisk);
    await addUser(wine, data, "boss");
    expect(existsSync(dataPaths(onDisk).database)).toBe(true);

    const made = await runExe(wine, ["backup", "--description", "On the server", "--data-dir", data]);
    expect(made.stdout + made.stderr).toMatch(/^Backup created: manual_\d{8}_\d{6}_on_the_server\.db/);
    expect(made.exitCode).toBe(0);
    const name = made.stdout.match(/Backup created: (\S+\.db)/)?.[1] as string;
    expect(existsSync(join(dataPaths(onDisk).backupsDir, name))).toBe(true);

    const verified = await runExe(wine, ["verify", "--all", "--data-dir", data]);
    expect(verified.stdout + verified.stderr).toContain(name);
    expect(verified.exitCode).toBe(0);
    const listed = await runExe(wine, ["list", "--json", "--data-dir", data]);
    const { backups } = JSON.parse(listed.stdout) as { backups: { name: string; health: string }[] };
    expect(backups).toEqual([expect.objectContaining({ name, health: "verified" })]);

    await addUser(wine, data, "clerk", "user");
    const restored = await runExe(wine, ["restore", "--latest", "--yes", "--data-dir", data]);
    expect(restored.stdout + restored.stderr).toContain(`Restored from ${name}.`);
    expect(restored.exitCode).toBe(0);
    expect(await listUsers(wine, data)).toEqual(["boss"]);
  });
});
