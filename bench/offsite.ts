import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnS3Server } from "../test/offsite/s3rver-process.ts";
import { benchApp } from "./app.ts";
import { type BenchRuntime, runChild, timeCommand } from "./runtimes.ts";
import { type Row, summarize } from "./table.ts";

const CHILD = resolve(import.meta.dirname, "offsite-child.ts");
const PASSPHRASE = "a long passphrase for the benchmark";
const MiB = 1024 * 1024;
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Milliseconds `cmd` takes, run to its end; it must succeed. */
/** `age -p -o OUT IN` for `script -c`, under GNU time when it is there (for its peak memory). */
function ageCommand(output: string, input: string, measure = false): string {
  const age = ["age", "-p", "-o", output, input].map(quote).join(" ");
  return measure ? `/usr/bin/time -f 'peak %M' ${age}` : age;
}

/** Peak RSS of `age -p` (whole process, MiB), where GNU time is installed to tell it. */
function agePeak(work: string, file: string): number | null {
  if (!Bun.which("/usr/bin/time")) return null;
  const sealed = join(work, "offsite-age-peak.age");
  const typed = new TextEncoder().encode(`${PASSPHRASE}\n${PASSPHRASE}\n`);
  const result = Bun.spawnSync(["script", "-qec", ageCommand(sealed, file, true), "/dev/null"], {
    stdin: typed,
  });
  rmSync(sealed, { force: true });
  const kb = Number(/peak (\d+)/.exec(result.stdout.toString())?.[1]);
  return Number.isFinite(kb) ? kb / 1024 : null;
}

const MODES = [
  { id: "mirror-plain", name: "to the mirror folder, plain", encrypted: false },
  { id: "mirror-age", name: "to the mirror folder, encrypted", encrypted: true },
  { id: "s3-plain", name: "to S3 on loopback (s3rver), plain", encrypted: false },
  { id: "s3-age", name: "to S3 on loopback (s3rver), encrypted", encrypted: true },
] as const;

/**
 * Off-site copies of one backup of `database`, each run a whole off-site run of the app in a new
 * process (list, copy, read back, sidecar), runs alternating between runtimes and places: to a
 * mirror folder on this disk and to s3rver on loopback, plain and encrypted (age, scrypt work
 * factor 18), against `cp` (+ flush) and the `age -p` command on the same file. Also the memory
 * each process grew by during its copy.
 */
export async function measureOffsite(options: {
  database: string;
  work: string;
  runs: number;
  label: string;
  runtimes: BenchRuntime[];
}): Promise<Row[]> {
  const { work, label } = options;
  const shop = join(work, "offsite-shop");
  mkdirSync(shop, { recursive: true });
  copyFileSync(options.database, join(shop, "business_data.db"));
  const backup = await benchApp(shop, { connection: "none" }).engine.createBackup({ kind: "manual" });
  const file = join(shop, "database_backups", backup.name);
  const mirror = join(work, "offsite-mirror");
  mkdirSync(mirror, { recursive: true });
  const s3 = await spawnS3Server({ dir: join(work, "offsite-s3rver") });
  const samples: Record<string, number[]> = {};
  const add = (key: string, value: number) => {
    samples[key] = [...(samples[key] ?? []), value];
  };
  try {
    for (let run = 0; run < options.runs; run++) {
      const plain = join(work, "offsite-cp.db");
      add("cp", timeCommand(["sh", "-c", `cp ${quote(file)} ${quote(plain)} && sync ${quote(plain)}`]));
      rmSync(plain, { force: true });
      // age reads a passphrase only from a terminal: `script` gives it one (typed twice).
      const sealed = join(work, "offsite-age.age");
      add(
        "age",
        timeCommand(
          ["script", "-qec", ageCommand(sealed, file), "/dev/null"],
          `${PASSPHRASE}\n${PASSPHRASE}\n`,
        ),
      );
      rmSync(sealed, { force: true });
      for (const runtime of options.runtimes) {
        for (const mode of MODES) {
          const prefix = `${runtime.name}-${mode.id}-${run}/`;
          const env: Record<string, string> = mode.id.startsWith("s3")
            ? s3.env({ BUSINESS_APP_OFFSITE_S3_PREFIX: prefix })
            : { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror };
          if (mode.encrypted) env.BUSINESS_APP_OFFSITE_PASSPHRASE = PASSPHRASE;
          const result = runChild<{ ms: number; idle: number; peak: number; longestPause: number }>(
            runtime,
            "",
            [shop, JSON.stringify(env)],
            CHILD,
          );
          add(`${runtime.name} ${mode.id}`, result.ms);
          add(`${runtime.name} ${mode.id} memory`, (result.peak - result.idle) / MiB);
          add(`${runtime.name} ${mode.id} pause`, result.longestPause);
          // Each copy is measured, then removed: a dozen 1 GB copies would fill a small disk.
          for (const name of readdirSync(mirror)) rmSync(join(mirror, name));
          rmSync(join(s3.dir, s3.bucket, prefix), { recursive: true, force: true });
        }
      }
    }
    const peak = agePeak(work, file);
    if (peak !== null) add("age peak", peak);
  } finally {
    await s3.stop();
    rmSync(shop, { recursive: true, force: true });
  }
  const cp = summarize(`${label}: cp of the backup to another folder (+ flush)`, "ms", samples.cp ?? []);
  const age = summarize(`${label}: age -p of the backup (the age command)`, "ms", samples.age ?? []);
  const rows: Row[] = [
    { ...cp, anchor: cp.median },
    { ...age, anchor: age.median },
  ];
  for (const runtime of options.runtimes) {
    for (const mode of MODES) {
      const key = `${runtime.name} ${mode.id}`;
      const anchor = mode.encrypted ? age.median : cp.median;
      rows.push({
        ...summarize(`${label}: ${runtime.name}: copy ${mode.name}`, "ms", samples[key] ?? []),
        anchor,
      });
    }
    for (const mode of MODES) {
      const key = `${runtime.name} ${mode.id} memory`;
      rows.push(
        summarize(`${label}: ${runtime.name}: memory growth, copy ${mode.name}`, "MiB", samples[key] ?? []),
      );
    }
    // The app keeps serving while it copies: no pause of its thread may pass what a backup allows.
    for (const mode of MODES) {
      const key = `${runtime.name} ${mode.id} pause`;
      const name = `${label}: ${runtime.name}: longest pause of the thread, copy ${mode.name}`;
      rows.push(summarize(name, "ms", samples[key] ?? [], 100));
    }
  }
  if (samples["age peak"])
    rows.push(summarize(`${label}: age -p peak RSS (whole process)`, "MiB", samples["age peak"]));
  return rows;
}
