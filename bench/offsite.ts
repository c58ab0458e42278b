import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { KEY_FILE } from "../src/offsite/crypto/keys.ts";
import { spawnS3Server } from "../test/offsite/s3rver-process.ts";
import { benchApp } from "./app.ts";
import { type BenchRuntime, runChild, timeCommand } from "./runtimes.ts";
import { type Row, summarize } from "./table.ts";

const CHILD = resolve(import.meta.dirname, "offsite-child.ts");
const PASSPHRASE = "a long passphrase for the benchmark";
const MiB = 1024 * 1024;
/** An encrypted copy to the mirror folder may take at most this many times `age -r` to a file and a `cp` of it (+ flush). */
const AGE_RATIO = 2;
/** The most a process may grow by while it makes an encrypted copy to the mirror folder (its key already open). */
const MEMORY_MIB = 64;
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** `age -r RECIPIENT -o OUT IN`, under GNU time when `measure` (for its peak memory). */
function ageCommand(recipient: string, output: string, input: string, measure = false): string {
  const age = ["age", "-r", recipient, "-o", output, input].map(quote).join(" ");
  return measure ? `/usr/bin/time -f 'peak %M' ${age}` : age;
}

/** Peak RSS of `age -r` (whole process, MiB), where GNU time is installed to tell it. */
function agePeak(work: string, file: string, recipient: string): number | null {
  if (!Bun.which("/usr/bin/time")) return null;
  const sealed = join(work, "offsite-age-peak.age");
  const result = Bun.spawnSync(["sh", "-c", ageCommand(recipient, sealed, file, true)]);
  rmSync(sealed, { force: true });
  const kb = Number(/peak (\d+)/.exec(result.stderr.toString())?.[1]);
  return Number.isFinite(kb) ? kb / 1024 : null;
}

const MODES = [
  { id: "mirror-plain", name: "to the mirror folder, plain", encrypted: false },
  { id: "mirror-age", name: "to the mirror folder, encrypted", encrypted: true },
  { id: "s3-plain", name: "to S3 on loopback (s3rver), plain", encrypted: false },
  { id: "s3-age", name: "to S3 on loopback (s3rver), encrypted", encrypted: true },
] as const;

/** The longest pause of the serving thread a copy may cause (what a backup allows). */
const PAUSE_LIMIT_MS = 100;

interface ChildResult {
  ms: number;
  idle: number;
  peak: number;
  longestPause: number;
  pauseRunning: number | null;
  pauseWaiting: number | null;
  pauseStolen: number | null;
  pauseDiskFaults: number | null;
  pauseStates: Record<string, number> | null;
  keyMs: number;
  aead: string;
}

/** The main thread's states seen during a pause, the most frequent first. */
function seenIn(states: Record<string, number> | null): string {
  if (!states || Object.keys(states).length === 0) return "nothing recorded";
  return Object.entries(states)
    .sort((a, b) => b[1] - a[1])
    .map(([what, count]) => `${count}× ${what}`)
    .join("; ");
}

/**
 * A pause over the limit, told on standard error with what the system says of that while: the
 * thread running (the app's own work on it: to mend), runnable but waiting for a CPU or the host
 * running other work on the machine's CPUs (a machine kept busy), or none of these (the thread
 * blocked in a call, or a page of its memory read back from the disk), and
 * what its states were meanwhile: the kernel function it slept in and the top of its stack.
 */
function pauseWords(runtime: string, mode: string, result: ChildResult): string {
  const ms = (value: number | null) => (value === null ? "unknown" : `${value.toFixed(0)} ms`);
  return `${runtime} ${mode}: the thread's longest pause ${ms(result.longestPause)}; meanwhile it ran ${ms(result.pauseRunning)}, waited for a CPU ${ms(result.pauseWaiting)}, the host took each CPU ${ms(result.pauseStolen)}, and ${result.pauseDiskFaults ?? "unknown"} of its page faults read the disk; seen (every 5 ms) in: ${seenIn(result.pauseStates)}`;
}

/**
 * Off-site copies of one backup of `database`, each run a whole off-site run of the app in a new
 * process (list, copy, read back, sidecar) after its places' keys were opened (as the service
 * does when it starts), runs alternating between runtimes and places: to a mirror folder on this
 * disk and to s3rver on loopback, plain and encrypted, against `cp` (+ flush) and, for the
 * encrypted copies, `age -r` to a file then `cp` of it (+ flush). Also the memory each process grew
 * by during its copy, and the time its keys took to open (one scrypt, once per process).
 *   bun bench/run.ts --only offsite --sizes 256,1024
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
  const recipient = await identityToRecipient(await generateX25519Identity());
  const s3 = await spawnS3Server({ dir: join(work, "offsite-s3rver") });
  const samples: Record<string, number[]> = {};
  const add = (key: string, value: number) => {
    samples[key] = [...(samples[key] ?? []), value];
  };
  const ciphers = new Map<string, string>();
  try {
    for (let run = 0; run < options.runs; run++) {
      const plain = join(work, "offsite-cp.db");
      add(
        "cp",
        timeCommand(["sh", "-c", `cp ${quote(file)} ${quote(plain)} && sync ${quote(plain)}`], [file]),
      );
      rmSync(plain, { force: true });
      const sealed = join(work, "offsite-age.age");
      const copied = join(work, "offsite-age-copy.age");
      const ageThenCp = `${ageCommand(recipient, sealed, file)} && cp ${quote(sealed)} ${quote(copied)} && sync ${quote(copied)}`;
      add("age", timeCommand(["sh", "-c", ageThenCp], [file]));
      rmSync(sealed, { force: true });
      rmSync(copied, { force: true });
      for (const runtime of options.runtimes) {
        for (const mode of MODES) {
          // A mirror folder per mode: a plain copy never goes into a folder of encrypted ones.
          const mirror = join(work, `offsite-${mode.id}`);
          mkdirSync(mirror, { recursive: true });
          const prefix = `${runtime.name}-${mode.id}-${run}/`;
          const env: Record<string, string> = mode.id.startsWith("s3")
            ? s3.env({ BUSINESS_APP_OFFSITE_S3_PREFIX: prefix })
            : { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror };
          if (mode.encrypted) env.BUSINESS_APP_OFFSITE_PASSPHRASE = PASSPHRASE;
          const result = runChild<ChildResult>(runtime, "", [shop, JSON.stringify(env)], {
            script: CHILD,
            warm: [file],
          });
          add(`${runtime.name} ${mode.id}`, result.ms);
          add(`${runtime.name} ${mode.id} memory`, (result.peak - result.idle) / MiB);
          add(`${runtime.name} ${mode.id} pause`, result.longestPause);
          if (result.longestPause > PAUSE_LIMIT_MS) console.error(pauseWords(runtime.name, mode.id, result));
          if (mode.encrypted) {
            add(`${runtime.name} key`, result.keyMs);
            ciphers.set(runtime.name, result.aead);
          }
          // Each copy is measured, then removed (a dozen 1 GB copies would fill a small disk); the
          // place's key stays, as it does in a place.
          for (const name of readdirSync(mirror)) if (name !== KEY_FILE) rmSync(join(mirror, name));
          rmSync(join(s3.dir, s3.bucket, prefix), { recursive: true, force: true });
        }
      }
    }
    const peak = agePeak(work, file, recipient);
    if (peak !== null) add("age peak", peak);
  } finally {
    await s3.stop();
    rmSync(shop, { recursive: true, force: true });
    for (const mode of MODES) rmSync(join(work, `offsite-${mode.id}`), { recursive: true, force: true });
  }
  const cp = summarize(`${label}: cp of the backup to another folder (+ flush)`, "ms", samples.cp ?? []);
  const age = summarize(
    `${label}: age -r of the backup to a file, then cp of it (+ flush)`,
    "ms",
    samples.age ?? [],
  );
  const rows: Row[] = [
    { ...cp, anchor: cp.median },
    { ...age, anchor: age.median },
  ];
  for (const runtime of options.runtimes) {
    const cipher = ciphers.get(runtime.name) ?? "?";
    for (const mode of MODES) {
      const key = `${runtime.name} ${mode.id}`;
      const name = `${label}: ${runtime.name}: copy ${mode.name}${mode.encrypted ? ` (${cipher})` : ""}`;
      const anchor = mode.encrypted ? age.median : cp.median;
      // The targets are the mirror folder's: to s3rver on loopback, s3rver itself sets the pace.
      const target = mode.id === "mirror-age" ? AGE_RATIO * age.median : undefined;
      rows.push({ ...summarize(name, "ms", samples[key] ?? [], target), anchor });
    }
    for (const mode of MODES) {
      const key = `${runtime.name} ${mode.id} memory`;
      const name = `${label}: ${runtime.name}: memory growth, copy ${mode.name}`;
      rows.push(
        summarize(name, "MiB", samples[key] ?? [], mode.id === "mirror-age" ? MEMORY_MIB : undefined),
      );
    }
    // The app keeps serving while it copies: no pause of its thread may pass what a backup allows.
    for (const mode of MODES) {
      const key = `${runtime.name} ${mode.id} pause`;
      const name = `${label}: ${runtime.name}: longest pause of the thread, copy ${mode.name}`;
      rows.push(summarize(name, "ms", samples[key] ?? [], PAUSE_LIMIT_MS));
    }
    const keyName = `${label}: ${runtime.name}: opening a place's key at start (scrypt 2^18, once per process)`;
    rows.push(summarize(keyName, "ms", samples[`${runtime.name} key`] ?? []));
  }
  if (samples["age peak"])
    rows.push(summarize(`${label}: age -r peak RSS (whole process)`, "MiB", samples["age peak"]));
  return rows;
}
