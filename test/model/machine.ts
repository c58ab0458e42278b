import { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { dataPaths } from "../../src/config/paths.ts";
import { seededRandom } from "../random.ts";
import { FAKETIME_LIBRARY } from "../tools.ts";

/**
 * A model-based test of the whole promise: a seeded state machine drives the real app (the
 * executable, or the source under Bun or Deno) through random sequences of writes, manual backups,
 * uploads of older and foreign files, deletes, restores by name, Emergency Restore, kill -9,
 * deleting or damaging the database, a full disk, clock jumps and restarts, and after every step
 * checks what the app promises:
 *
 * - the data in the database is exactly what the model says it is: nothing written and kept is lost;
 * - the newest good backup of this database holds what the model says, and opens;
 * - Emergency Restore puts back exactly that backup: never data older than it;
 * - a missing or damaged database never starts empty: the app is in recovery mode;
 * - `business-app status` says what `/api/health` says;
 * - no backup disappears but by a delete the model made, or by a retention rule (logged, with as
 *   many of its kind left as the rule keeps);
 * - every backup that appears is one a step made, holding the data it should.
 *
 * The seed and the steps so far are in the error of a failed run, to repeat it.
 */

export interface ModelOptions {
  seed: number;
  steps: number;
  /** The app's command (the executable, or a runtime and `src/main.ts`); arguments follow it. */
  command: string[];
  /** An empty folder the run may use. */
  workDir: string;
  /** A free TCP port is asked for each start. */
  freePort: () => number;
  /** Hears each step as it starts. */
  onStep?: (step: number, action: string) => void;
}

/** The kinds of backup the app takes of a database itself (what "newest" is chosen from). */
const TAKEN = new Set(["startup", "automatic", "manual", "pre_restore", "pre_update"]);
/** The retention limits of the settings the run uses (the defaults; manual backups unlimited). */
const LIMITS: Record<string, number> = { automatic: 10, pre_restore: 5, pre_update: 3, startup: 3 };
const PASSWORD = "the model's long enough password";
const WAIT_MS = 60_000;

/** A backup as the model knows it, by its bytes. */
interface Known {
  sha: string;
  name: string;
  kind: string;
  /** The rows of `ledger` it holds; null when it cannot be read (a safety copy of a damaged database). */
  data: number[] | null;
  identity: string | null;
  dataAt: string;
  health: string;
  /** A safety copy of a damaged database: never what "newest" chooses. */
  sourceDamaged: boolean;
}

interface ManifestEntry {
  name: string;
  kind: string;
  dataAt?: string | null;
  createdAt: string;
  databaseId?: string | null;
  health: string;
  sourceDamaged?: boolean;
}

class ModelFailure extends Error {}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
/** The same rows, in whatever order (the database is read in key order). */
const same = (a: number[], b: number[]) => {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.length === y.length && x.every((v, i) => v === y[i]);
};
const show = (data: number[]) =>
  data.length > 8 ? `[${data.length} rows … ${data.at(-1)}]` : `[${data.join(",")}]`;

/** `YYYYMMDD_HHMMSS` of a time in local time, as the app names a kept startup backup. */
function stampOf(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}_${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`;
}

/** The rows of `ledger` in a database file (read only), or null when it cannot be read. */
function ledgerOf(path: string): number[] | null {
  if (!existsSync(path)) return null;
  let db: Database | null = null;
  try {
    db = new Database(path, { readonly: true });
    db.run("PRAGMA busy_timeout = 10000");
    return db
      .query<{ n: number }, []>("SELECT n FROM ledger ORDER BY n")
      .all()
      .map((r) => r.n);
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/** The identity a database file holds, or null. */
function identityOf(path: string): string | null {
  let db: Database | null = null;
  try {
    db = new Database(path, { readonly: true });
    db.run("PRAGMA busy_timeout = 10000");
    return (db.query("SELECT id FROM database_identity LIMIT 1").get() as { id: string } | null)?.id ?? null;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/** The state machine and the app it drives. */
export class Model {
  readonly #o: ModelOptions;
  readonly #random: () => number;
  readonly #dir: string;
  readonly #db: string;
  readonly #backups: string;
  readonly #log: string;
  /** The data the database holds, as the model says. */
  #data: number[] = [];
  #next = 1;
  /** Every backup the model knows, by SHA-256. */
  #known = new Map<string, Known>();
  /** Backups a step deleted, and backups a step made (kind and data), awaiting the next look. */
  #deleted = new Set<string>();
  /** Backups steps made: their kind, the data they must hold (null: a damaged database's, unknown), their name. */
  #expected: { kind: string; data: number[] | null; name?: string }[] = [];
  #proc: ReturnType<typeof Bun.spawn> | null = null;
  #url = "";
  #output = "";
  #session: { cookie: string; csrf: string } | null = null;
  #recovery = false;
  /** The database file was deleted or damaged while the app was stopped. */
  #broken: "missing" | "damaged" | null = null;
  #clockHours = 0;
  #full: { filler: string } | null = null;
  /** The disk was full at some time since the last check (log lines may be missing). */
  #fullSinceCheck = false;
  #tmpfs = false;
  #history: string[] = [];
  #step = 0;
  #foreign = "";
  /** The identity of the database whose data the model follows (it changes with a restore of another's). */
  #identity: string | null = null;

  constructor(options: ModelOptions) {
    this.#o = options;
    this.#random = seededRandom(options.seed);
    this.#dir = join(options.workDir, "data");
    this.#db = dataPaths(this.#dir).database;
    this.#backups = dataPaths(this.#dir).backupsDir;
    this.#log = join(this.#backups, "backup.log");
  }

  /** Runs the steps; throws `ModelFailure` naming the seed, the step and the steps before it. */
  async run(): Promise<void> {
    try {
      await this.#setUp();
      for (this.#step = 1; this.#step <= this.#o.steps; this.#step++) {
        const action = this.#choose();
        this.#history.push(action);
        this.#o.onStep?.(this.#step, action);
        await this.#act(action);
        await this.#check();
      }
    } catch (error) {
      const last = this.#history.slice(-15).join(" → ");
      const message = error instanceof Error ? error.message : String(error);
      throw new ModelFailure(
        `model run failed at step ${this.#step} (seed ${this.#o.seed}; repeat with --seed ${this.#o.seed} --steps ${this.#step}): ${message}\nlast steps: ${last}\napp output (end):\n${this.#output.slice(-3000)}`,
      );
    } finally {
      this.#proc?.kill("SIGKILL");
      await this.#proc?.exited;
      if (this.#tmpfs) spawnSync("umount", ["-l", this.#dir]);
    }
  }

  // ——— setting up ———————————————————————————————————————————————————————————————————————

  async #setUp(): Promise<void> {
    Bun.spawnSync(["mkdir", "-p", this.#dir]);
    // On a small disk of its own when allowed (root), so a full disk is a real one.
    if (process.getuid?.() === 0 && Bun.which("mount")) {
      const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", this.#dir]);
      this.#tmpfs = mounted.status === 0;
    }
    const added = await this.#cli(
      ["user", "add", "--username", "boss", "--role", "super_admin", "--password-stdin"],
      `${PASSWORD}\n`,
    );
    if (added.exitCode !== 0) throw new Error(`user add failed: ${added.stderr}`);
    const db = new Database(this.#db);
    db.run("CREATE TABLE ledger (n INTEGER PRIMARY KEY)");
    db.close();
    this.#identity = identityOf(this.#db);
    // A database of another shop, for uploads of a foreign file.
    const other = join(this.#o.workDir, "other");
    Bun.spawnSync(["mkdir", "-p", other]);
    const made = await this.#cli(
      ["user", "add", "--username", "other", "--role", "super_admin", "--password-stdin"],
      `${PASSWORD}\n`,
      other,
    );
    if (made.exitCode !== 0) throw new Error(`the other shop's user add failed: ${made.stderr}`);
    const foreign = new Database(dataPaths(other).database);
    foreign.run("CREATE TABLE ledger (n INTEGER PRIMARY KEY)");
    for (const n of [900001, 900002, 900003]) foreign.run("INSERT INTO ledger VALUES (?)", [n]);
    foreign.run("PRAGMA wal_checkpoint(TRUNCATE)");
    foreign.close();
    this.#foreign = dataPaths(other).database;
    await this.#start();
    await this.#check();
  }

  // ——— choosing ——————————————————————————————————————————————————————————————————————————

  #choose(): string {
    if (!this.#proc) return "start";
    if (this.#recovery) return this.#random() < 0.85 ? "recover" : "restart";
    // While the disk is full the app is left running (its start writes its log): no restarts then.
    const up = this.#full ? 0 : 1;
    const weights: [string, number][] = [
      ["write", 30],
      ["backup", 12],
      ["upload-older", 4],
      ["upload-foreign", 2],
      ["delete", this.#short() ? 25 : 5],
      ["restore", 5],
      ["emergency", 5],
      ["kill", 4 * up],
      ["restart", 3 * up],
      ["delete-database", 2 * up],
      ["damage-database", 2 * up],
      ["clock-jump", existsSync(FAKETIME_LIBRARY) ? 2 * up : 0],
      ["disk-full", this.#tmpfs && !this.#full ? 2 : 0],
      ["disk-freed", this.#full ? 12 : 0],
    ];
    const total = weights.reduce((s, [, w]) => s + w, 0);
    let pick = this.#random() * total;
    for (const [name, weight] of weights) {
      pick -= weight;
      if (pick < 0) return name;
    }
    return "write";
  }

  async #act(action: string): Promise<void> {
    switch (action) {
      case "start":
        return this.#start();
      case "write":
        return this.#write();
      case "backup":
        return this.#backup();
      case "upload-older":
        return this.#uploadOlder();
      case "upload-foreign":
        return this.#upload(readFileSync(this.#foreign), [900001, 900002, 900003]);
      case "delete":
        return this.#delete();
      case "restore":
        return this.#restoreByName();
      case "emergency":
        return this.#emergency();
      case "kill":
        this.#proc?.kill("SIGKILL");
        await this.#proc?.exited;
        this.#proc = null;
        return;
      case "restart":
        await this.#stop();
        return this.#start();
      case "delete-database":
        await this.#stop();
        for (const side of ["", "-wal", "-shm"]) rmSync(`${this.#db}${side}`, { force: true });
        this.#broken = "missing";
        return this.#start();
      case "damage-database":
        await this.#stop();
        this.#damage();
        return this.#start();
      case "clock-jump": {
        const hours = Math.round((this.#random() - 0.35) * 96);
        this.#clockHours += hours === 0 ? 1 : hours;
        await this.#stop();
        return this.#start();
      }
      case "disk-full":
        return this.#fillDisk();
      case "disk-freed":
        if (this.#full) rmSync(this.#full.filler, { force: true });
        this.#full = null;
        return;
      case "recover":
        return this.#recover();
    }
  }

  // ——— the app as a process ———————————————————————————————————————————————————————————————

  #env(dataDir = this.#dir): { [name: string]: string } {
    const env: { [name: string]: string } = {};
    for (const [key, value] of Object.entries(process.env))
      if (value !== undefined && !key.startsWith("BUSINESS_APP_")) env[key] = value;
    return {
      ...env,
      DENO_NO_UPDATE_CHECK: "1",
      BUSINESS_APP_DATA_DIR: dataDir,
      // No automatic backups or drills of their own during a run: each backup is a step's.
      BUSINESS_APP_INTERVAL_HOURS: "8760",
      BUSINESS_APP_DRILL_INTERVAL_DAYS: "0",
      BUSINESS_APP_MANUAL_BACKUPS_PER_HOUR: "100000",
      ...this.#clock(),
    };
  }

  /** The clock the app sees: moved by `#clockHours` through libfaketime (the process is the app's own). */
  #clock(): { [name: string]: string } {
    if (this.#clockHours === 0 || !existsSync(FAKETIME_LIBRARY)) return {};
    const sign = this.#clockHours > 0 ? "+" : "-";
    return { LD_PRELOAD: FAKETIME_LIBRARY, FAKETIME: `${sign}${Math.abs(this.#clockHours)}h` };
  }

  async #cli(args: string[], input?: string, dataDir = this.#dir) {
    const proc = Bun.spawn([...this.#o.command, ...args], {
      env: this.#env(dataDir),
      stdin: input === undefined ? "ignore" : "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    if (input !== undefined && proc.stdin) {
      proc.stdin.write(input);
      proc.stdin.end();
    }
    const timer = setTimeout(() => proc.kill("SIGKILL"), WAIT_MS);
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    clearTimeout(timer);
    return { stdout, stderr, exitCode };
  }

  #logText(): string {
    try {
      return readFileSync(this.#log, "utf8");
    } catch {
      return "";
    }
  }

  /** Starts the app and waits until its start is done: the startup backup made (or not), or recovery mode. */
  async #start(): Promise<void> {
    const logFrom = this.#logText().length;
    const port = this.#o.freePort();
    const proc = Bun.spawn([...this.#o.command, "--port", String(port), "--no-browser"], {
      env: this.#env(),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    this.#proc = proc;
    this.#url = `http://127.0.0.1:${port}`;
    this.#session = null;
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) this.#output += decoder.decode(chunk, { stream: true });
    };
    void pump(proc.stdout as ReadableStream<Uint8Array>);
    void pump(proc.stderr as ReadableStream<Uint8Array>);
    const before = {
      broken: this.#broken,
      anyGood: [...this.#known.values()].some((k) => k.health !== "damaged" && !k.sourceDamaged),
    };
    // Its start is over when the log says how the startup backup went, or that it is in recovery mode.
    const done =
      /Database backup created: startup_backup\.db|No startup backup:|Failed to create backup|runs in recovery mode/;
    await this.#until(async () => {
      if (proc.exitCode !== null) throw new Error(`the app exited with ${proc.exitCode} at its start`);
      return done.test(this.#logText().slice(logFrom));
    }, "the app's start");
    const started = this.#logText().slice(logFrom);
    const health = await this.#health();
    this.#recovery = health.reasons.includes("recovery_mode");
    if (before.broken) {
      // A damaged database, or a missing one with good backups about: recovery mode, never an empty start.
      const expected = before.broken === "damaged" || before.anyGood;
      if (expected && !this.#recovery)
        throw new Error(
          `the database was ${before.broken} and the app did not start in recovery mode (${JSON.stringify(health)})`,
        );
      if (!expected) {
        // A new installation: it starts empty, as a database of its own.
        this.#data = [];
        this.#identity = identityOf(this.#db);
        this.#broken = null;
      }
      // Otherwise broken it stays, through restarts, until a restore puts a database back.
    } else if (this.#recovery) {
      throw new Error(`the app started in recovery mode with a whole database: ${started}`);
    }
    if (started.includes("Database backup created: startup_backup.db"))
      this.#expected.push({ kind: "startup", data: [...this.#data], name: "startup_backup.db" });
  }

  async #stop(): Promise<void> {
    const proc = this.#proc;
    if (!proc) return;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), WAIT_MS);
    const code = await proc.exited;
    clearTimeout(timer);
    this.#proc = null;
    if (code !== 0 && !this.#full) throw new Error(`the app stopped with exit code ${code}`);
  }

  /** Waits (bounded) until `ready` says so. */
  async #until(ready: () => Promise<boolean> | boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      if (await ready()) return;
      if (Date.now() > deadline) throw new Error(`${what} did not come within ${WAIT_MS / 1000} s`);
      await Bun.sleep(20);
    }
  }

  async #health(): Promise<{ status: string; reasons: string[] }> {
    let answer: { status: string; reasons?: string[] } | null = null;
    await this.#until(async () => {
      try {
        answer = (await (await fetch(`${this.#url}/api/health`)).json()) as {
          status: string;
          reasons?: string[];
        };
        return true;
      } catch {
        return false;
      }
    }, "an answer of /api/health");
    const got = answer as unknown as { status: string; reasons?: string[] };
    return { status: got.status, reasons: got.reasons ?? [] };
  }

  /** Signs in as the super administrator of the database there now (this shop's, or the other shop's after its restore). */
  async #signIn(): Promise<{ cookie: string; csrf: string } | null> {
    if (this.#session) return this.#session;
    let res: Response | null = null;
    for (const username of ["boss", "other"]) {
      res = await fetch(`${this.#url}/api/session`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: this.#url },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
      if (res.ok) break;
    }
    if (!res?.ok) return null;
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    this.#session = {
      cookie: (res.headers.get("set-cookie") ?? "").split(";")[0] as string,
      csrf: csrfToken,
    };
    return this.#session;
  }

  async #api(method: string, path: string, body?: unknown): Promise<Response | null> {
    const session = await this.#signIn();
    if (!session) return null;
    return fetch(`${this.#url}${path}`, {
      method,
      redirect: "manual",
      headers: {
        Cookie: session.cookie,
        "X-CSRF-Token": session.csrf,
        "Content-Type": "application/json",
        Origin: this.#url,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** A form post as htmx sends it: a refusal answers with its status, a restore with `HX-Redirect`. */
  async #form(path: string, fields: { [name: string]: string }, session = true): Promise<Response> {
    const signedIn = session ? await this.#signIn() : null;
    return fetch(`${this.#url}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "HX-Request": "true",
        Origin: this.#url,
        ...(signedIn ? { Cookie: signedIn.cookie } : {}),
      },
      body: new URLSearchParams({ ...fields, ...(signedIn ? { _csrf: signedIn.csrf } : {}) }),
    });
  }

  // ——— the actions ——————————————————————————————————————————————————————————————————————————

  #write(): void {
    const count = 1 + Math.floor(this.#random() * 3);
    const rows = Array.from({ length: count }, () => this.#next++);
    const db = new Database(this.#db);
    try {
      db.run("PRAGMA busy_timeout = 10000");
      db.transaction(() => {
        for (const n of rows) db.run("INSERT INTO ledger VALUES (?)", [n]);
      })();
      this.#data.push(...rows);
    } catch (error) {
      // Only a full disk may refuse a write; then nothing of it is there.
      if (!this.#full) throw error;
    } finally {
      db.close();
    }
  }

  async #backup(): Promise<void> {
    const res = await this.#api("POST", "/api/backups", { description: `step ${this.#step}` });
    if (!res) return this.#mayFail("signing in");
    if (res.status === 201) {
      const { backup } = (await res.json()) as { backup: { name: string } };
      this.#expected.push({ kind: "manual", data: [...this.#data], name: backup.name });
      return;
    }
    if (res.status === 507 && this.#short()) return;
    throw new Error(`a manual backup answered ${res.status}: ${await res.text()}`);
  }

  /** Uploads the file of an older backup of this shop (a copy from a USB stick). */
  async #uploadOlder(): Promise<void> {
    const older = [...this.#known.values()].filter((k) => TAKEN.has(k.kind) && k.health !== "damaged");
    const pick = older[Math.floor(this.#random() * older.length)];
    if (!pick?.data) return;
    await this.#upload(readFileSync(join(this.#backups, pick.name)), pick.data);
  }

  async #upload(bytes: Uint8Array, data: number[]): Promise<void> {
    const session = await this.#signIn();
    if (!session) return this.#mayFail("signing in");
    const form = new FormData();
    form.set("_csrf", session.csrf);
    form.set("description", "from a USB stick");
    form.set("file", new File([bytes], "usb copy.db"));
    const res = await fetch(`${this.#url}/backup/upload`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: session.cookie, Origin: this.#url, "HX-Request": "true" },
      body: form,
    });
    if (res.status === 200) {
      this.#expected.push({ kind: "uploaded", data });
      return;
    }
    if (this.#short()) return;
    throw new Error(`an upload answered ${res.status}: ${await res.text()}`);
  }

  async #delete(): Promise<void> {
    const names = [...this.#known.values()].map((k) => k.name);
    const name = names[Math.floor(this.#random() * names.length)];
    if (!name) return;
    const res = await this.#api("DELETE", `/api/backups/${encodeURIComponent(name)}`);
    if (!res) return this.#mayFail("signing in");
    if (res.status === 204) {
      this.#deleted.add(name);
      return;
    }
    // The newest good backup is kept, and a file held by a check is busy for a moment.
    if (res.status === 409 || (res.status === 507 && this.#short())) return;
    throw new Error(`a delete of ${name} answered ${res.status}: ${await res.text()}`);
  }

  /**
   * The disk has not the room the app promises to keep (README: a backup needs its size plus 5%,
   * at least 16 MiB, and a manual one twice that): a refusal for room (507) is then the right
   * answer. Measured here, not taken from the app's message.
   */
  #short(): boolean {
    if (this.#full) return true;
    const bytes = ["", "-wal"].reduce(
      (sum, side) => sum + (statSync(`${this.#db}${side}`, { throwIfNoEntry: false })?.size ?? 0),
      0,
    );
    const needed = 2 * (bytes + Math.max(bytes * 0.05, 16 * 1024 * 1024));
    const disk = statfsSync(this.#backups);
    return disk.bavail * disk.bsize < needed;
  }

  async #restoreByName(): Promise<void> {
    const usable = [...this.#known.values()].filter((k) => k.health !== "damaged" && k.data !== null);
    const pick = usable[Math.floor(this.#random() * usable.length)];
    if (!pick) return;
    const before = [...this.#data];
    const res = await this.#api("POST", `/api/backups/${encodeURIComponent(pick.name)}/restore`);
    if (!res) return this.#mayFail("signing in");
    if (res.status === 200) {
      const result = (await res.json()) as { restoredFrom: string; safetyBackup: string | null };
      if (result.restoredFrom !== pick.name)
        throw new Error(`restoring ${pick.name} restored ${result.restoredFrom}`);
      this.#restored(pick, before, result.safetyBackup);
      return;
    }
    if ((res.status === 507 || res.status === 500) && this.#short()) return;
    throw new Error(`restoring ${pick.name} answered ${res.status}: ${await res.text()}`);
  }

  /** Emergency Restore as the page does it: the question names the backup, the answer restores it. */
  async #emergency(): Promise<void> {
    const session = await this.#signIn();
    if (!session) return this.#mayFail("signing in");
    const question = await fetch(`${this.#url}/backup/confirm?action=emergency-restore`, {
      headers: { Cookie: session.cookie },
    });
    const expectedNewest = this.#newestOwn();
    if (question.status === 404) {
      if (expectedNewest)
        throw new Error(`Emergency Restore found nothing, though ${expectedNewest.name} is good`);
      return;
    }
    const named = (await question.text()).match(/name="expected" value="([^"]+)"/)?.[1];
    if (!named) throw new Error("the Emergency Restore question names no backup");
    this.#expectNewest(named, "Emergency Restore's question");
    const before = [...this.#data];
    const res = await this.#form("/backup/emergency-restore", { expected: named });
    const location = res.headers.get("hx-redirect") ?? "";
    if (res.status !== 200 || !location.startsWith("/login?restored=")) {
      if (this.#full) return;
      throw new Error(`Emergency Restore answered ${res.status}: ${await res.text()}`);
    }
    const from = decodeURIComponent(location.match(/restored=([^&]+)/)?.[1] ?? "");
    const safety = location.match(/safety=([^&]+)/)?.[1];
    if (from !== named) throw new Error(`Emergency Restore was asked for ${named} and restored ${from}`);
    this.#restored(this.#byName(named), before, safety ? decodeURIComponent(safety) : null);
  }

  /** Recovery mode: the printed link, its question, and the restore it confirms. */
  async #recover(): Promise<void> {
    const token = [...this.#output.matchAll(/\/recovery\?token=([A-Za-z0-9_-]{43})/g)].at(-1)?.[1];
    if (!token) throw new Error("recovery mode printed no link");
    const question = await fetch(`${this.#url}/recovery/confirm?token=${token}`);
    if (question.status !== 200) throw new Error(`the recovery question answered ${question.status}`);
    const named = (await question.text()).match(/name="expected" value="([^"]+)"/)?.[1];
    if (!named) throw new Error("the recovery question names no backup");
    this.#expectNewest(named, "the recovery page's Emergency Restore");
    const before = ledgerOf(this.#db);
    const res = await this.#form("/recovery/restore", { token, expected: named }, false);
    const location = res.headers.get("hx-redirect") ?? "";
    if (res.status !== 200 || !location.startsWith("/login?restored=")) {
      if (this.#full) return;
      throw new Error(`the recovery restore answered ${res.status}: ${await res.text()}`);
    }
    const safety = location.match(/safety=([^&]+)/)?.[1];
    this.#recovery = false;
    this.#broken = null;
    this.#session = null;
    // The broken database is kept as a safety backup, which may be damaged: its data is not known.
    const chosen = this.#byName(named);
    if (!chosen.data) throw new Error(`the recovery restore put back ${named}, which the model cannot read`);
    this.#data = [...chosen.data];
    this.#identity = chosen.identity ?? this.#identity;
    if (safety) this.#expected.push({ kind: "pre_restore", data: before, name: decodeURIComponent(safety) });
  }

  /** The data is the backup's now, and so is its database (a backup of another's makes it that one). */
  #restored(backup: Known, before: number[], safety: string | null): void {
    if (!backup.data) throw new Error(`${backup.name} was restored, which the model cannot read`);
    this.#data = [...backup.data];
    this.#identity = backup.identity ?? this.#identity;
    this.#session = null;
    if (safety) this.#expected.push({ kind: "pre_restore", data: before, name: safety });
  }

  #damage(): void {
    const size = statSync(this.#db).size;
    const fd = openSync(this.#db, "r+");
    try {
      // Damaged pages, as a failing disk leaves them: the file still opens.
      for (let offset = 4096; offset < size; offset += 4096)
        writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, offset);
    } finally {
      closeSync(fd);
    }
    rmSync(`${this.#db}-wal`, { force: true });
    rmSync(`${this.#db}-shm`, { force: true });
    this.#broken = "damaged";
  }

  #fillDisk(): void {
    const filler = join(this.#dir, "filler.bin");
    const fd = openSync(filler, "w");
    const chunk = Buffer.alloc(1024 * 1024, 7);
    try {
      for (;;) writeSync(fd, chunk);
    } catch {
      // Full.
    } finally {
      closeSync(fd);
    }
    this.#full = { filler };
    this.#fullSinceCheck = true;
  }

  #mayFail(what: string): void {
    if (!this.#full) throw new Error(`${what} failed`);
  }

  // ——— what the model knows ———————————————————————————————————————————————————————————————

  #byName(name: string): Known {
    const found = this.#known.get(name);
    if (!found) throw new Error(`the model knows no backup ${name}`);
    return found;
  }

  /**
   * The good backups the app took of this database (the lineage the model follows: its identity
   * changes only with a restore of a backup of another database), newest data first.
   */
  #goodOwn(): Known[] {
    return [...this.#known.values()]
      .filter((k) => TAKEN.has(k.kind) && k.health !== "damaged" && !k.sourceDamaged && k.data !== null)
      .filter((k) => this.#identity === null || k.identity === null || k.identity === this.#identity)
      .sort((a, b) => b.dataAt.localeCompare(a.dataAt) || b.name.localeCompare(a.name));
  }

  #newestOwn(): Known | null {
    return this.#goodOwn()[0] ?? null;
  }

  /** What Emergency Restore named must be the newest good backup of this database. */
  #expectNewest(named: string, who: string): void {
    const newest = this.#newestOwn();
    if (!newest) throw new Error(`${who} named ${named}, though no good backup of this database is known`);
    if (named !== newest.name) {
      const chosen = this.#known.get(named);
      const state = chosen
        ? `kind ${chosen.kind}, health ${chosen.health}, ${chosen.sourceDamaged ? "of a damaged database" : "of a sound database"}, data ${chosen.data ? show(chosen.data) : "unknown"}, ${chosen.identity === this.#identity ? "this database" : `database ${chosen.identity}, not ${this.#identity}`}`
        : "unknown to the model";
      throw new Error(
        `${who} named ${named} (data from ${chosen?.dataAt ?? "?"}; ${state}), not the newest good backup ${newest.name} (data from ${newest.dataAt})`,
      );
    }
  }

  // ——— the checks after every step ———————————————————————————————————————————————————————

  /** Waits (bounded) until no backup, restore or check runs in the app: then its folder stands still. */
  async #settle(): Promise<void> {
    const session = this.#proc && !this.#recovery ? await this.#signIn() : null;
    if (!session) return;
    let quiet = 0;
    await this.#until(async () => {
      const res = await fetch(`${this.#url}/api/status`, { headers: { Cookie: session.cookie } });
      if (!res.ok) return true;
      const status = (await res.json()) as { operation: unknown };
      quiet = status.operation === null ? quiet + 1 : 0;
      return quiet >= 3;
    }, "a moment without a running operation");
  }

  async #check(): Promise<void> {
    await this.#settle();
    const records = this.#manifest();
    const files = existsSync(this.#backups)
      ? readdirSync(this.#backups).filter((n) => n.endsWith(".db") && !n.startsWith("."))
      : [];
    const current = new Map<string, string>();
    for (const name of files) {
      try {
        current.set(name, sha256(join(this.#backups, name)));
      } catch {
        // Gone since the listing (retention after the step's work): as gone as if never listed.
      }
    }
    // What is no longer under its name: a startup backup kept under its time when the next one came,
    // or gone.
    const gone: Known[] = [];
    for (const [name, known] of this.#known) {
      if (current.get(name) === known.sha) continue;
      gone.push(known);
      this.#known.delete(name);
    }
    const fresh = [...current].filter(([name]) => !this.#known.has(name));
    for (const [name, sha] of fresh) {
      const moved = gone.findIndex(
        (g) =>
          g.sha === sha &&
          g.kind === "startup" &&
          name.startsWith("startup_") &&
          name !== "startup_backup.db",
      );
      if (moved < 0) continue;
      const [entry] = gone.splice(moved, 1) as [Known];
      entry.name = name;
      this.#known.set(name, entry);
    }
    // Gone: only by a delete a step made, or by a retention rule that kept as many as it keeps.
    const logText = this.#logText();
    for (const known of gone) {
      if (this.#deleted.has(known.name)) continue;
      // The startup backup before a new one is kept under its data's time, and may go at once.
      const names =
        known.name === "startup_backup.db" ? [known.name, `startup_${stampOf(known.dataAt)}`] : [known.name];
      // A full disk may have kept the log line from being written: then the rule's count decides.
      if (!this.#fullSinceCheck && !names.some((name) => logText.includes(`Removed old backup: ${name}`)))
        throw new Error(
          `the backup ${known.name} disappeared, and no step or retention rule deleted it; the log says of it:\n${logText
            .split("\n")
            .filter((line) => line.includes(known.name.slice(0, -3)))
            .join("\n")}`,
        );
      const limit = LIMITS[known.kind];
      const left = [
        ...this.#known.values(),
        ...fresh.map(([name]) => ({
          name,
          kind: records.get(name)?.kind,
          identity: records.get(name)?.databaseId ?? null,
          health: records.get(name)?.health,
        })),
      ].filter(
        (k) => k.kind === known.kind && k.identity === known.identity && k.health !== "damaged",
      ).length;
      if (limit === undefined || left < limit)
        throw new Error(
          `retention deleted ${known.name} though ${left} ${known.kind} backups are left (it keeps ${limit})`,
        );
    }
    this.#deleted.clear();
    this.#fullSinceCheck = this.#full !== null;
    // New: each one a step made, holding the data it should.
    for (const [name, sha] of current) {
      const record = records.get(name);
      const known = this.#known.get(name);
      if (known) {
        known.health = record?.health ?? known.health;
        known.sourceDamaged = record?.sourceDamaged ?? known.sourceDamaged;
        known.dataAt = record?.dataAt ?? known.dataAt;
        continue;
      }
      const kind = record?.kind ?? "external";
      // A new startup backup with the very bytes of the one before (no change between two starts):
      // the slot's file looks unchanged, and the one before is kept under its time.
      const slot = this.#known.get("startup_backup.db");
      const startup = this.#expected.findIndex((e) => e.kind === "startup");
      if (kind === "startup" && slot?.sha === sha && startup >= 0) {
        const [made] = this.#expected.splice(startup, 1);
        if (made?.data && (!slot.data || !same(slot.data, made.data)))
          throw new Error(`the new startup backup holds ${show(slot.data ?? [])}, not ${show(made.data)}`);
        this.#known.set(name, { ...slot, name, dataAt: record?.dataAt ?? slot.dataAt });
        continue;
      }
      const at = this.#expected.findIndex(
        (e) => e.kind === kind && (e.name === undefined || e.name === name),
      );
      if (at < 0) throw new Error(`a backup ${name} (${kind}) appeared that no step made`);
      const expected = this.#expected.splice(at, 1)[0] as { data: number[] | null };
      const data = ledgerOf(join(this.#backups, name));
      // A safety copy of a damaged database may hold anything, or nothing readable.
      if (expected.data && (!data || !same(data, expected.data)))
        throw new Error(
          `the new backup ${name} holds ${data ? show(data) : "nothing readable"}, not ${show(expected.data)}`,
        );
      this.#known.set(name, {
        sha,
        name,
        kind,
        data,
        identity: record?.databaseId ?? identityOf(join(this.#backups, name)),
        dataAt: record?.dataAt ?? record?.createdAt ?? "",
        health: record?.health ?? "unchecked",
        sourceDamaged: record?.sourceDamaged ?? false,
      });
    }
    const missing = this.#expected.map((e) => `${e.kind} ${e.name ?? ""}`.trim());
    this.#expected = [];
    if (missing.length > 0) throw new Error(`backups a step made are not there: ${missing.join(", ")}`);
    if (!this.#proc) return;
    if (!this.#recovery && !this.#full) {
      const live = ledgerOf(this.#db);
      if (!live || !same(live, this.#data))
        throw new Error(
          `the database holds ${live ? show(live) : "nothing readable"}; it should hold ${show(this.#data)}`,
        );
    }
    // The newest good backup of this database opens and holds what the model says.
    const newest = this.#newestOwn();
    if (newest?.data) {
      const held = ledgerOf(join(this.#backups, newest.name));
      if (!held || !same(held, newest.data))
        throw new Error(
          `the newest good backup ${newest.name} holds ${held ? show(held) : "nothing readable"}, not ${show(newest.data)}`,
        );
    }
    await this.#statusAgrees();
  }

  /** `business-app status --json` says what the running app's `/api/health` says. */
  async #statusAgrees(): Promise<void> {
    const before = await this.#health();
    const status = await this.#cli(["status", "--json"]);
    let said: { status: string; reasons: string[]; app: string };
    try {
      said = JSON.parse(status.stdout);
    } catch {
      throw new Error(`status printed no JSON: ${status.stdout} ${status.stderr}`);
    }
    const after = await this.#health();
    const words = (h: { status: string; reasons: string[] }) =>
      `${h.status} ${[...h.reasons].sort().join(",")}`;
    // An alert may start or end between the looks: status must agree with one of them.
    const agrees = [before, after].some((h) => words(h) === words(said));
    if (said.app !== "running" || !agrees || (status.exitCode === 0) !== (said.status === "ok"))
      throw new Error(
        `status says ${JSON.stringify(said)} (exit ${status.exitCode}), /api/health says ${JSON.stringify(after)}`,
      );
  }

  #manifest(): Map<string, ManifestEntry> {
    try {
      const parsed = JSON.parse(readFileSync(join(this.#backups, "manifest.json"), "utf8")) as {
        backups: { [name: string]: ManifestEntry };
      };
      return new Map(Object.entries(parsed.backups));
    } catch {
      return new Map();
    }
  }
}

export { ModelFailure };
