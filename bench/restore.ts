import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type BenchRuntime, inTurn, runChild, timeCommand } from "./runtimes.ts";
import { settle } from "./settle.ts";
import { type Row, summarize } from "./table.ts";

/**
 * A restore of the same backup, again and again, runs alternating between the runtimes (each
 * runtime's data folder and backup made first, untimed; their order turned each run): ours
 * through the engine with the app's connection open — whole (until it resolves, the app
 * answering again), the time requests are refused (from closing the database to its reopening),
 * and each step — against `cp` of the backup over the closed database (plus a flush, as ours
 * does). The checks that follow a restore in the background are timed apart. The same backup as
 * a file the app did not make is then uploaded and restored: both rebuild it (`rebuild.ts`).
 */
export async function measureRestore(options: {
  database: string;
  work: string;
  runs: number;
  label: string;
  runtimes: BenchRuntime[];
}) {
  const samples: Record<string, number[]> = {};
  // Each runtime's data folder and its backup, before anything is timed.
  for (const runtime of options.runtimes)
    runChild(runtime, "restore-setup", [options.database, options.work]);
  for (let run = 0; run < options.runs; run++) {
    for (const runtime of inTurn(options.runtimes, run)) {
      for (const task of ["restore", "foreign"]) {
        // The child settles the disk, with the backup it restores in the cache, before what it times.
        const result = runChild<Record<string, number>>(runtime, task, [options.database, options.work]);
        for (const [key, value] of Object.entries(result))
          samples[`${runtime.name} ${key}`] = [...(samples[`${runtime.name} ${key}`] ?? []), value];
      }
    }
  }
  // The file system's copy is the same under either runtime: every run's, whichever made it.
  const copies = options.runtimes.flatMap((r) => samples[`${r.name} cp`] ?? []);
  const anchor = summarize("", "ms", copies).median;
  const rows = options.runtimes.flatMap((r) => {
    const row = (name: string, key: string, times?: number): Row => ({
      ...summarize(
        `${options.label}: ${name}`,
        "ms",
        samples[`${r.name} ${key}`] ?? [],
        times ? anchor * times : undefined,
      ),
      anchor,
    });
    return [
      row(`restore, ${r.name}, whole (until the app answers again)`, "whole", 4),
      row("  requests refused (database closed until reopened)", "refused", 2),
      row("  full check recorded? (else the full check now)", "choose"),
      row("  copy beside the database (the file system's copy, in the worker)", "copy"),
      row("  the copy's SHA-256 against the checked one, beside its flush", "flush"),
      row("  close the database (last checkpoint)", "close"),
      row("  keep the replaced database as the safety backup (link)", "safety"),
      row("  drop -wal/-shm, rename, flush folder", "swap"),
      row("  reopen, migrations, end sessions", "reopen"),
      row("  the safety backup named and listed (the app answers meanwhile)", "after"),
      row("checks after the restore, in the background", "checks"),
      row(
        `restore of a file the app did not make, ${r.name}, whole (rebuilt beside the database)`,
        "rebuilt",
      ),
      row(`upload of that file, ${r.name} (full check, rebuild, full check of the rebuilt file)`, "upload"),
    ];
  });
  const cp = summarize(`${options.label}: cp of the backup over the closed database (+ flush)`, "ms", copies);
  return [...rows, { ...cp, anchor }];
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The progress lines in `text` (see `showProgress`: each clears the line, then its words), each
 * with its step: a clear without words ends a step (the next step's line waits a second again).
 */
function drawnIn(text: string, step: number): number[] {
  const steps: number[] = [];
  for (const line of text.split("\u001b[K").slice(1)) {
    if (/^(?:Backing up|Checking|Restoring) /.test(line)) steps.push(step);
    else step++;
  }
  return [...steps, step];
}

/**
 * Runs the executable with `args` on a terminal (`script`, so that it draws its progress lines) from
 * a settled disk: how long it took, and when each progress line was drawn (ms from the start).
 */
async function onTerminal(exe: string, args: string[], env: Record<string, string>, warm: string) {
  settle(warm);
  const command = [exe, ...args].map(quote).join(" ");
  const started = performance.now();
  const child = Bun.spawn(["script", "-qefc", command, "/dev/null"], {
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const drawn: { at: number; step: number }[] = [];
  let step = 0;
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    const at = performance.now() - started;
    const part = decoder.decode(chunk, { stream: true });
    const steps = drawnIn(part, step);
    step = steps.pop() as number;
    for (const s of steps) drawn.push({ at, step: s });
    text += part;
  }
  const code = await child.exited;
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${args.join(" ")} failed (${code}): ${text}${await child.stderr.text()}`);
  return { ms, drawn, text };
}

/** The longest wait between two progress lines of one step (none before its first second), or null. */
function longestGap(drawn: { at: number; step: number }[]): number | null {
  const gaps = drawn.slice(1).flatMap((line, i) => {
    const before = drawn[i] as { at: number; step: number };
    return line.step === before.step ? [line.at - before.at] : [];
  });
  return gaps.length > 0 ? Math.max(...gaps) : null;
}

/**
 * The command line, offline, on a copy of the database: `business-app backup` (the snapshot and
 * its full check before it exits), then `business-app restore NAME --yes` of that backup, then
 * `cp` of the same backup over the database plus a flush; runs alternating, each from a settled
 * disk. Both commands run on a terminal, so that their progress lines are drawn (every 250 ms
 * once the work has taken a second): the longest wait between two shows they keep coming.
 */
export async function measureOfflineRestore(options: {
  database: string;
  work: string;
  runs: number;
  label: string;
  exe: string;
}): Promise<Row[]> {
  const dir = join(options.work, "offline-shop");
  const live = join(dir, "business_data.db");
  mkdirSync(dir, { recursive: true });
  copyFileSync(options.database, live);
  const env = { BUSINESS_APP_MAX_MANUAL_BACKUPS: "1", BUSINESS_APP_MAX_PRE_RESTORE_BACKUPS: "1" };
  const flags = ["--data-dir", dir];
  const samples: Record<"backup" | "restore" | "cp" | "lines" | "gap" | "restore gap", number[]> = {
    backup: [],
    restore: [],
    cp: [],
    lines: [],
    gap: [],
    "restore gap": [],
  };
  for (let run = 0; run < options.runs; run++) {
    const backup = await onTerminal(options.exe, ["backup", ...flags], env, live);
    const name = /Backup created: (\S+) /.exec(backup.text)?.[1];
    if (!name || !backup.text.includes("fully checked")) throw new Error(`no checked backup: ${backup.text}`);
    const file = join(dir, "database_backups", name);
    const restore = await onTerminal(options.exe, ["restore", name, "--yes", ...flags], env, file);
    const cp = timeCommand(["sh", "-c", 'cp "$1" "$2" && sync "$2"', "cp", file, live], [file]);
    samples.backup.push(backup.ms);
    samples.restore.push(restore.ms);
    samples.cp.push(cp);
    samples.lines.push(backup.drawn.length);
    const gap = longestGap(backup.drawn);
    if (gap !== null) samples.gap.push(gap);
    const restoreGap = longestGap(restore.drawn);
    if (restoreGap !== null) samples["restore gap"].push(restoreGap);
  }
  const l = options.label;
  const cp = summarize(`${l}: cp of that backup over the database (+ flush)`, "ms", samples.cp);
  const rows: Row[] = [
    summarize(`${l}: business-app backup (executable: snapshot, full check, exit)`, "ms", samples.backup),
    {
      ...summarize(
        `${l}: business-app restore NAME --yes (executable)`,
        "ms",
        samples.restore,
        cp.median * 3,
      ),
      anchor: cp.median,
    },
    { ...cp, anchor: cp.median },
    summarize(`${l}:   progress lines drawn during the backup`, "x", samples.lines),
  ];
  if (samples.gap.length > 0)
    rows.push(
      summarize(`${l}:   longest wait between two progress lines of a step, backup`, "ms", samples.gap, 1000),
    );
  if (samples["restore gap"].length > 0)
    rows.push(
      summarize(
        `${l}:   longest wait between two progress lines of a step, restore`,
        "ms",
        samples["restore gap"],
        1000,
      ),
    );
  return rows;
}
