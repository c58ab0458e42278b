import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import {
  addUserByCli,
  dataPaths,
  LAUNCHER,
  type RunningApp,
  runCli,
  signIn,
  startApp,
  TEST_PASSWORD,
  tempDir,
} from "../helpers.ts";
import { type S3Server, startS3Server } from "../offsite/s3rver.ts";

/**
 * Continuous protection as a shop meets it, through the real app (`BUSINESS_APP_LAUNCHER`: the
 * executable, or Deno): a change made by the command line beside the serving app is captured;
 * `restore --at` goes back to the moment before a mistake, and brings back the last change after
 * the database file is lost; a clean restart carries the chain on, while a kill followed by a
 * change nobody captured starts a new chain and says why; the page and the API undo to a moment;
 * and the dead-disk drill brings the last commit back from each off-site place.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = tempDir("business-app-continuous-cli-");
  dirs.push(dir);
  return dir;
}

interface Continuous {
  active: boolean;
  chainStartedAt: string | null;
  problem: string | null;
  from: string | null;
  to: string | null;
  lastCapturedAt: string | null;
}

async function continuousOf(app: RunningApp, headers: Record<string, string>): Promise<Continuous> {
  const res = await fetch(`${app.url}/api/status`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { continuous: Continuous }).continuous;
}

/**
 * Waits (at most 15 s) until what continuous protection holds has `count` users: the moment a
 * restore to now would put back (the preview builds it), so the change just committed is captured.
 * Returns the status then.
 */
async function captured(
  app: RunningApp,
  headers: Record<string, string>,
  count: number,
): Promise<Continuous> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const at = encodeURIComponent(new Date().toISOString());
    const res = await fetch(`${app.url}/api/continuous/preview?at=${at}`, { headers });
    const body = (await res.json()) as { preview?: { tables: { name: string; after: number | null }[] } };
    const users = body.preview?.tables.find((t) => t.name === "users")?.after;
    if (users === count) return continuousOf(app, headers);
    if (Date.now() > deadline)
      throw new Error(`not captured: ${count} users wanted, ${JSON.stringify(body)}`);
    await Bun.sleep(50);
  }
}

/** Waits (at most 15 s) until the capture runs. */
async function activeCapture(app: RunningApp, headers: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await continuousOf(app, headers)).active) {
    if (Date.now() > deadline) throw new Error("continuous protection did not start");
    await Bun.sleep(50);
  }
}

async function users(dir: string, env: Record<string, string> = {}): Promise<string[]> {
  const listed = await runCli(["user", "list", "--data-dir", dir], { env });
  expect(listed.exitCode).toBe(0);
  return listed.stdout
    .trim()
    .split("\n")
    .map((line) => line.split("\t")[0] as string)
    .sort();
}

function log(dir: string): string {
  return readFileSync(dataPaths(dir).log, "utf8");
}

describe(`continuous protection (${LAUNCHER})`, () => {
  test("a change made beside the serving app is captured; the page and the API undo it to the second before; restore --at undoes that undo", async () => {
    const dir = dataDir();
    expect((await addUserByCli(dir, "boss")).exitCode).toBe(0);
    const app = await startApp({ dataDir: dir });
    let afterMallory = 0;
    try {
      const { headers } = await signIn(app, "boss");
      await activeCapture(app, headers);
      const started = await continuousOf(app, headers);
      expect(started.from).not.toBeNull();
      expect((await addUserByCli(dir, "alice", "admin")).exitCode).toBe(0);
      await captured(app, headers, 2);
      // The moment to go back to: after alice, before the mistake, in a second of its own (the
      // page takes whole seconds, so alice's second must be over).
      await Bun.sleep(1010 - (Date.now() % 1000));
      const before = new Date();
      const since = Date.now();
      expect((await addUserByCli(dir, "mallory", "admin")).exitCode).toBe(0);
      const after = await captured(app, headers, 3);
      afterMallory = Date.parse(after.to as string);
      expect(afterMallory).toBeGreaterThanOrEqual(since);
      const page = await (await fetch(`${app.url}/backup/status`, { headers })).text();
      expect(page).toContain("Undo to a point in time");
      expect(page).toContain('type="datetime-local"');

      // The API's preview: the exact moment, the next change after it, the rows then and now.
      const res = await fetch(
        `${app.url}/api/continuous/preview?at=${encodeURIComponent(before.toISOString())}`,
        { headers },
      );
      expect(res.status).toBe(200);
      const { preview, point } = (await res.json()) as {
        preview: { tables: { name: string; now: number; after: number }[] };
        point: { at: number; next: number | null };
      };
      expect(point.at).toBeLessThanOrEqual(before.getTime());
      expect(point.next).toBeGreaterThan(before.getTime());
      expect(preview.tables.find((t) => t.name === "users")).toEqual({ name: "users", now: 3, after: 2 });

      // A moment before anything was captured, and a text that is no moment, are refused in words.
      const early = await fetch(`${app.url}/api/continuous/preview?at=2000-01-01T00:00:00Z`, { headers });
      expect(early.status).toBe(404);
      expect(((await early.json()) as { error: { message: string } }).error.message).toContain(
        "goes back to",
      );
      const junk = await fetch(`${app.url}/api/continuous/preview?at=yesterday`, { headers });
      expect(junk.status).toBe(400);

      // The page's question, then its answer: everyone signs in again, the moment is back.
      const local = (d: Date) =>
        new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
      const question = await (
        await fetch(`${app.url}/backup/point-in-time?at=${local(before)}`, { headers })
      ).text();
      expect(question).toContain("This puts the database back as it was at");
      const at = /name="at" value="([^"]+)"/.exec(question)?.[1] as string;
      expect(Date.parse(at)).toBe(point.at);
      const form = new URLSearchParams({ at, _csrf: headers["X-CSRF-Token"] as string });
      const done = await fetch(`${app.url}/backup/point-in-time`, {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
        body: form,
        redirect: "manual",
      });
      expect(done.status).toBe(303);
      // The sign-in page says which moment came back and where today's data is.
      const location = done.headers.get("location") as string;
      expect(location).toContain(`/login?restored_at=${point.at}&safety=pre_restore_`);
      const notice = await (await fetch(`${app.url}${location}`)).text();
      expect(notice).toContain("The database is back as it was at");
      expect(notice).toContain("A safety backup was saved as pre_restore_");
      const { headers: again } = await signIn(app, "boss");
      // The capture goes on with a new chain from the restored database, as expected: no loss said.
      const deadline = Date.now() + 15_000;
      let status = await continuousOf(app, again);
      while (!(status.active && status.chainStartedAt !== started.chainStartedAt) && Date.now() < deadline) {
        await Bun.sleep(50);
        status = await continuousOf(app, again);
      }
      expect(status).toMatchObject({ active: true, problem: null });
      expect(log(dir)).toContain("from a base of");
      expect(log(dir)).toContain("the database was replaced by a restore");
      const list = (await (await fetch(`${app.url}/api/backups`, { headers: again })).json()) as {
        backups: { name: string }[];
      };
      // Rebuilt beside the database: no second copy of it kept as a backup.
      expect(list.backups.some((b) => b.name.includes("point_in_time"))).toBe(false);
    } finally {
      await app.stop("SIGKILL");
    }
    expect(await users(dir)).toEqual(["alice", "boss"]);
    // Offline, back to a moment of the chain before that restore: mallory again.
    const restored = await runCli([
      "restore",
      "--at",
      new Date(afterMallory).toISOString(),
      "--yes",
      "--data-dir",
      dir,
    ]);
    expect(restored.stderr).toBe("");
    expect(restored.stdout).toContain("Restored the database as it was at");
    expect(restored.exitCode).toBe(0);
    expect(await users(dir)).toEqual(["alice", "boss", "mallory"]);
    expect(restored.stdout).not.toContain("kept as");
    // The safety backup's check is left to the app (here `list`, which checks what it has not seen checked).
    const manifest = () =>
      (
        JSON.parse(readFileSync(`${dataPaths(dir).backupsDir}/manifest.json`, "utf8")) as {
          backups: Record<string, { health: string }>;
        }
      ).backups;
    const safety = restored.stdout.match(/safety backup was saved as (\S+?\.db)/)?.[1] as string;
    expect(manifest()[safety]?.health).toBe("unchecked");
    const list = await runCli(["list", "--json", "--data-dir", dir]);
    expect(list.stdout).not.toContain("point_in_time");
    expect(manifest()[safety]?.health).toBe("verified");
  });

  test("the database file lost: restore --at now brings back the last change", async () => {
    const dir = dataDir();
    expect((await addUserByCli(dir, "boss")).exitCode).toBe(0);
    const app = await startApp({ dataDir: dir });
    try {
      const { headers } = await signIn(app, "boss");
      expect((await addUserByCli(dir, "last_change", "admin")).exitCode).toBe(0);
      await captured(app, headers, 2);
    } finally {
      await app.stop("SIGKILL");
    }
    const { database } = dataPaths(dir);
    for (const file of [database, `${database}-wal`, `${database}-shm`]) rmSync(file, { force: true });
    const restored = await runCli(["restore", "--at", "now", "--yes", "--data-dir", dir]);
    expect(restored.exitCode).toBe(0);
    expect(await users(dir)).toEqual(["boss", "last_change"]);
  });

  test("a clean restart carries the chain on; a change nobody captured starts a new chain, and says why", async () => {
    const dir = dataDir();
    expect((await addUserByCli(dir, "boss")).exitCode).toBe(0);
    let app = await startApp({ dataDir: dir });
    // The capture begins once the startup backup is made; then a clean stop.
    await activeCapture(app, (await signIn(app, "boss")).headers);
    expect(await app.stop()).toBe(0);
    app = await startApp({ dataDir: dir });
    try {
      const { headers } = await signIn(app, "boss");
      await activeCapture(app, headers);
      expect(log(dir)).toContain("Continuous protection continues the chain");
    } finally {
      await app.stop("SIGKILL");
    }
    // Written while nothing captured: the command line checkpoints its change into the file.
    expect((await addUserByCli(dir, "unseen", "admin")).exitCode).toBe(0);
    app = await startApp({ dataDir: dir });
    try {
      const { headers } = await signIn(app, "boss");
      await activeCapture(app, headers);
      const status = (await (await fetch(`${app.url}/api/status`, { headers })).json()) as {
        continuous: { problem: string | null };
      };
      expect(status.continuous.problem).toContain("not captured");
      expect(log(dir)).toMatch(
        /Continuous protection started a new chain \S+ from a base of \d+ pages: changes were made that were not captured/,
      );
    } finally {
      await app.stop();
    }
  });
});

describe(`every change off the PC (${LAUNCHER})`, () => {
  test("the dead-disk drill: commit, wait 3 s, kill -9, lose the data folder; restore --at now --from mirror and --from s3 on an empty folder bring back the last commit", async () => {
    const s3: S3Server = await startS3Server();
    try {
      const env = s3.env({
        BUSINESS_APP_OFFSITE_MIRROR_DIR: dataDir(),
        BUSINESS_APP_OFFSITE_PASSPHRASE: "the shop's long passphrase",
      });
      const dir = dataDir();
      expect(
        (
          await runCli(
            [
              "user",
              "add",
              "--username",
              "boss",
              "--role",
              "super_admin",
              "--password-stdin",
              "--data-dir",
              dir,
            ],
            { env, input: `${TEST_PASSWORD}\n` },
          )
        ).exitCode,
      ).toBe(0);
      const app = await startApp({ dataDir: dir, env });
      let copied: { mirror: number; s3: number } = { mirror: 0, s3: 0 };
      try {
        const { headers } = await signIn(app, "boss");
        const added = await runCli(
          [
            "user",
            "add",
            "--username",
            "last_change",
            "--role",
            "admin",
            "--password-stdin",
            "--data-dir",
            dir,
          ],
          { env, input: `${TEST_PASSWORD}\n` },
        );
        expect(added.exitCode).toBe(0);
        const committed = Date.now();
        await captured(app, headers, 2);
        // Each place has the change once it is no longer behind: the mirror within seconds, S3 within its batch.
        const deadline = Date.now() + 30_000;
        for (;;) {
          const { places } = (await continuousOf(app, headers)) as Continuous & {
            places: Record<string, { lagSeconds: number; lastCopiedAt: string | null }>;
          };
          for (const id of ["mirror", "s3"] as const) {
            const place = places[id];
            if (
              !copied[id] &&
              place &&
              place.lagSeconds === 0 &&
              Date.parse(place.lastCopiedAt ?? "0") >= committed
            )
              copied = { ...copied, [id]: Date.now() - committed };
          }
          if (copied.mirror && copied.s3) break;
          if (Date.now() > deadline) throw new Error(`not copied off-site: ${JSON.stringify(places)}`);
          await Bun.sleep(100);
        }
        console.log(
          `continuous off-site: mirror had the change ${copied.mirror} ms after the commit, S3 ${copied.s3} ms`,
        );
        // The disk dies three seconds after the commit.
        await Bun.sleep(Math.max(0, committed + 3000 - Date.now()));
      } finally {
        await app.stop("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
      for (const from of ["mirror", "s3"]) {
        const newPc = dataDir();
        const restored = await runCli(
          ["restore", "--at", "now", "--from", from, "--yes", "--data-dir", newPc],
          { env },
        );
        expect(restored.stderr).toBe("");
        expect(restored.stdout).toContain(`Restored the database as it was at`);
        // Proven by the passphrase's MAC: rebuilt in place, no backup of it kept.
        expect(restored.stdout).not.toContain("kept as");
        expect(restored.exitCode).toBe(0);
        expect(await users(newPc, env)).toEqual(["boss", "last_change"]);
      }
    } finally {
      await s3.stop();
    }
  }, 120_000);
});
