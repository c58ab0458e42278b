import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { BASE_FILE, listChains } from "../src/backup/continuous/files/chain.ts";
import { baseChecked } from "../src/backup/continuous/upkeep/base-check.ts";
import { spawnS3Server } from "../test/offsite/s3rver-process.ts";
import { benchApp } from "./app.ts";
import { timeCommand } from "./runtimes.ts";
import { settle } from "./settle.ts";
import { type Row, summarize } from "./table.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quote = (path: string) => `'${path.replaceAll("'", "'\\''")}'`;
const MiB = 1024 * 1024;
const COMMITS = 1000;
/** Batches of `COMMITS` per side for the commit latency: its p99 is the 30th longest of 3,000. */
const BATCHES = 3;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** The newest change each place had at its last pass (ms of capture), from `shipped.json`. */
function newestThere(dir: string, id: "mirror" | "s3"): number {
  try {
    const file = JSON.parse(
      readFileSync(join(dir, "database_backups", "continuous", "shipped.json"), "utf8"),
    ) as {
      places: Record<string, { newestThere: number | null }>;
    };
    const entry = Object.entries(file.places).find(([key]) => key.startsWith(`${id} `));
    return entry?.[1].newestThere ?? 0;
  } catch {
    return 0;
  }
}

/** The change files' bytes in the data folder's chains. */
function changeBytes(dir: string): number {
  const root = join(dir, "database_backups", "continuous");
  let total = 0;
  for (const chain of readdirSync(root).filter((n) => /^\d{8}_/.test(n)))
    for (const name of readdirSync(join(root, chain)).filter((n) => n.endsWith(".changes")))
      total += statSync(join(root, chain, name)).size;
  return total;
}

/**
 * The newest chain's base and change files in the shop at `dir` (what `restore --at now` reads),
 * and how many transactions those files carry.
 */
function newestChain(dir: string): { files: string[]; changes: number } {
  const chain = listChains(join(dir, "database_backups")).at(-1);
  if (!chain) return { files: [], changes: 0 };
  const first = chain.files[0]?.header.first ?? 1;
  const last = chain.files.at(-1)?.header.last ?? 0;
  return {
    files: [join(chain.dir, BASE_FILE), ...chain.files.map((file) => file.path)],
    changes: last - first + 1,
  };
}

/** Waits, at most `limitMs`, until the newest chain in the shop at `dir` has its base's full check recorded. */
async function baseCheckedWithin(dir: string, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  for (;;) {
    const chain = listChains(join(dir, "database_backups")).at(-1);
    if (chain && baseChecked(chain)) return;
    if (performance.now() > deadline) throw new Error("the base's full check was not recorded in time");
    await sleep(500);
  }
}

/**
 * Continuous protection (Bun, in this process, as the app runs it): single-row updates of a
 * customer, each its own transaction and paced as requests are, with protection off and then on
 * (the capture polling every 250 ms, the shipping to a mirror folder and to s3rver); their commit
 * latency (p50, p99 of 3,000 per side), the memory growth and the bytes of change files over the
 * first 1,000 updates with protection on; the time from a commit to its arrival in the mirror folder and in S3 (the change's
 * capture time in what each place last received); then `restore --at now` with the executable,
 * against `cp` of the database plus a flush.
 */
export async function measureContinuous(options: {
  database: string;
  work: string;
  label: string;
  exe: string;
}): Promise<Row[]> {
  const dir = join(options.work, "continuous-shop");
  mkdirSync(dir, { recursive: true });
  copyFileSync(options.database, join(dir, "business_data.db"));
  const mirror = join(options.work, "continuous-mirror");
  mkdirSync(mirror, { recursive: true });
  const s3 = await spawnS3Server({ dir: join(options.work, "continuous-s3rver") });
  const env = s3.env({ BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror });
  const app = benchApp(dir, { env });
  const rows: Row[] = [];
  try {
    app.db.open();
    const ids = (app.db.sqlite.query("SELECT max(id) AS n FROM customers").get() as { n: number }).n;
    let n = 0;
    const commits = async (count: number) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        app.db.sqlite.run("UPDATE customers SET phone = ? WHERE id = ?", [
          `+49 ${n++}`,
          1 + ((n * 7919) % ids),
        ]);
        times.push(performance.now() - started);
        // Requests come one after another, with the event loop between them (where the capture runs).
        await new Promise((resolve) => setImmediate(resolve));
        if (i % 20 === 0) await sleep(5);
      }
      return times;
    };
    // Each phase from a settled disk with the database in the system's cache, as a shop's is
    // (`settle`, untimed): the copy of the database just made here and the first base (written
    // once per chain) are gigabytes the kernel writes out for seconds at 4 GB, and commits meanwhile
    // wait for it (at 4 GB, p99 0.28–0.30 ms right after the copy, 0.11–0.14 ms from a settled
    // disk, protection on or off); and the copies of the base in the mirror folder and s3rver's
    // folder (S3 is elsewhere in a shop) crowd the database out of the cache.
    const live = join(dir, "business_data.db");
    settle(live);
    // Three batches a side: a p99 of one batch of 1,000 is its 10th longest commit, and the ratio of
    // on to off swung 0.37–1.56× between whole runs of the bench; of 3,000, the 30th. Off and on
    // cannot alternate (starting protection makes a base), so the batches of a side follow each
    // other, a second apart as the batches of the other side.
    const off: number[] = [];
    for (let batch = 0; batch < BATCHES; batch++) {
      if (batch > 0) await sleep(1000);
      off.push(...(await commits(COMMITS)));
    }
    await app.continuous.start();
    app.shipping.start();
    // The steady state: the first base has gone to the places (its upload is the off-site bench's)
    // and has had its full check, which the app makes once per chain (a shop's app has long done
    // both; neither is what a commit or a restore to a moment costs day to day).
    await app.shipping.syncNow();
    await baseCheckedWithin(dir, 15 * 60_000);
    settle(live);
    const bytesBefore = changeBytes(dir);
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 5);
    const on = await commits(COMMITS);
    await sleep(1000);
    clearInterval(sampler);
    const bytes = changeBytes(dir) - bytesBefore;
    // The memory and bytes rows are the first batch's: what 1,000 updates grow and write (under a
    // steady stream the peak levels off where the runtime's collector keeps it; bench/README.md).
    for (let batch = 1; batch < BATCHES; batch++) {
      on.push(...(await commits(COMMITS)));
      await sleep(1000);
    }
    const p99off = percentile(off, 99);
    rows.push(
      { ...summarize(`${options.label}: commit, protection off, p50`, "ms", [percentile(off, 50)]) },
      { ...summarize(`${options.label}: commit, protection off, p99 of ${off.length}`, "ms", [p99off]) },
      { ...summarize(`${options.label}: commit, protection on, p50`, "ms", [percentile(on, 50)]) },
      {
        ...summarize(
          `${options.label}: commit, protection on, p99 of ${on.length} (≤ off +10%)`,
          "ms",
          [percentile(on, 99)],
          p99off * 1.1,
        ),
        anchor: p99off,
      },
      summarize(`${options.label}: change files for ${COMMITS} single-row updates`, "MiB", [bytes / MiB], 20),
      summarize(
        `${options.label}: memory growth while capturing and shipping ${COMMITS} updates`,
        "MiB",
        [(peak - rssBefore) / MiB],
        32,
      ),
    );
    for (const [id, samples, gap] of [
      ["mirror", 20, 300],
      ["s3", 5, 2000],
    ] as const) {
      const arrivals: number[] = [];
      for (let i = 0; i < samples; i++) {
        await sleep(gap);
        const committed = Date.now();
        await commits(1);
        const deadline = committed + 60_000;
        while (newestThere(dir, id) < committed && Date.now() < deadline) await sleep(20);
        arrivals.push(Date.now() - committed);
      }
      rows.push(
        summarize(
          `${options.label}: commit to durable in ${id === "mirror" ? "the mirror folder" : "S3 (s3rver)"}, p99`,
          "ms",
          [percentile(arrivals, 99)],
          id === "mirror" ? 2000 : 15_000,
        ),
      );
    }
    app.continuous.stop();
    await app.shipping.stop();
    app.db.close();
    // Each from a settled disk (untimed `sync`) with the files it reads in the system's cache, as
    // the other rows: none pays for what another left for the kernel to write or pushed out of the
    // cache. `cp` three times (the median): its flush varies most on this disk.
    const cp = join(options.work, "continuous-cp.db");
    const cpRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      cpRuns.push(timeCommand(["sh", "-c", `cp ${quote(live)} ${quote(cp)} && sync ${quote(cp)}`], [live]));
      rmSync(cp, { force: true });
    }
    const cpMs = percentile(cpRuns, 50);
    const chain = newestChain(dir);
    const restoreMs = timeCommand(
      [options.exe, "restore", "--at", "now", "--yes", "--data-dir", dir],
      chain.files,
    );
    rows.push(
      {
        ...summarize(
          `${options.label}: restore --at now (executable; base and ${chain.changes} changes)`,
          "ms",
          [restoreMs],
          cpMs * 4,
        ),
        anchor: cpMs,
      },
      summarize(`${options.label}: cp of the database (+ flush)`, "ms", cpRuns),
    );
  } finally {
    app.continuous.stop();
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(mirror, { recursive: true, force: true });
  }
  return rows;
}
