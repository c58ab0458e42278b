import { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import { addUserByCli, appLaidOutFolder, dataPaths, type RunningApp, signIn, startApp } from "../helpers.ts";

/** The seed of this run: FAULT_SEED to repeat one, otherwise new each time; always printed. */
export function runSeed(name: string): number {
  const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`${name}: seed ${seed} (repeat with FAULT_SEED=${seed})`);
  return seed;
}

/** `PRAGMA integrity_check` of a file through the sqlite3 shell, read-only. */
export function integrity(path: string): string {
  const result = spawnSync("sqlite3", ["-readonly", path, "PRAGMA integrity_check"], { encoding: "utf8" });
  return (result.stdout || result.stderr).trim();
}

/** A checksum of every row of `items`, to tell one state of the data from another. */
export function itemsChecksum(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const hasher = new Bun.CryptoHasher("sha256");
    for (const row of db.query("SELECT * FROM items ORDER BY id").values()) {
      for (const value of row) {
        hasher.update(value instanceof Uint8Array ? value : `${typeof value}:${String(value)}`);
        hasher.update("\u0000");
      }
      hasher.update("\n");
    }
    return hasher.digest("hex");
  } finally {
    db.close();
  }
}

/** Fills `items` with `megabytes` of rows (text and blobs). */
export function addBulk(path: string, megabytes: number, label = "bulk"): void {
  const db = new Database(path);
  db.run("PRAGMA busy_timeout = 5000");
  db.run(
    "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, remote_id TEXT, payload BLOB)",
  );
  db.run(
    `INSERT INTO items (name, remote_id, payload) SELECT '${label} ' || n, lower(hex(randomblob(8))), randomblob(32768)
     FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ${megabytes * 32}) SELECT n FROM c)`,
  );
  db.close();
}

/**
 * Mounts a tmpfs of `size` at `dir` and returns its unmount function; tests that use it skip
 * with `test.skipIf(missing("tmpfs"))` where that is not allowed (not root).
 */
export function mountTmpfs(dir: string, size: string, readOnly = false): () => void {
  const options = `size=${size}${readOnly ? ",ro" : ""}`;
  const result = spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`mount -t tmpfs at ${dir} failed: ${result.stderr}`);
  return () => {
    spawnSync("umount", ["-l", dir]);
  };
}

/**
 * A server on a data folder with `megabytes` of data and a signed-in super admin; `args` are
 * added to its command line (it never makes a startup backup).
 */
export async function serverWithAdmin(
  megabytes: number,
  env: Record<string, string> = {},
  args: string[] = [],
) {
  const dataDir = await appLaidOutFolder("business-app-busy-");
  addBulk(dataPaths(dataDir).database, megabytes);
  await addUserByCli(dataDir);
  const app = await startApp({ dataDir, args: ["--no-startup-backup", ...args], env });
  const session = await signIn(app, "boss");
  await startupCheckDone(app, session.cookie);
  return { dataDir, app, ...session };
}

/**
 * Waits (at most 15 s) until the check the app makes of its database at start has been recorded:
 * it holds the operation lock meanwhile, so a backup asked for before would be told "busy".
 */
async function startupCheckDone(app: RunningApp, cookie: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const status = (await (await fetch(`${app.url}/api/status`, { headers: { Cookie: cookie } })).json()) as {
      health: unknown;
      operation: unknown;
    };
    if (status.health !== null && status.operation === null) return;
    await Bun.sleep(10);
  }
  throw new Error(`the app did not record its startup check within 15 s:\n${app.output()}`);
}
