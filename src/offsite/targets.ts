import type { ManifestRecord } from "../backup/manifest.ts";
import type { Log } from "../lib/log.ts";
import type { Clock } from "../lib/time.ts";
import type { Timers } from "../lib/timers.ts";
import { readContents } from "./copies.ts";
import { OffsiteError } from "./errors.ts";
import { mirrorTarget } from "./mirror.ts";
import type { CopyPolicy } from "./plan.ts";
import { type S3TargetOptions, s3Target } from "./s3.ts";
import { type OffsiteTarget, readText, type TargetId } from "./target.ts";

/** Off-site copies as the service takes them (the settings mapped in `app/options.ts`). */
export interface OffsiteOptions {
  /** A folder on another disk (USB drive, NAS), or null. */
  mirrorDir: string | null;
  s3: S3TargetOptions | null;
  /** Copies are encrypted (age) with it when set. */
  passphrase: string | null;
  policy: CopyPolicy;
}

/** What the service works with besides its options. */
export interface OffsiteServiceDeps {
  /** The local backups, newest first, and the folder they are in. */
  backups: { list(): ManifestRecord[]; readonly backupsDir: string };
  log: Log;
  clock: Clock;
  timers?: Timers;
  /** Keeps runs one at a time across processes (the server and `offsite sync`). */
  lockPath: string;
}

/** The targets the options set up: the mirror folder first (the faster one to restore from). */
export function targetsOf(options: OffsiteOptions): OffsiteTarget[] {
  const targets: OffsiteTarget[] = [];
  if (options.mirrorDir !== null) targets.push(mirrorTarget(options.mirrorDir));
  if (options.s3 !== null) targets.push(s3Target(options.s3));
  return targets;
}

/** The outcome of a connection test of one target. */
export interface TargetTest {
  target: TargetId;
  label: string;
  where: string;
  ok: boolean;
  /** "works: 3 copies there", or the failure. */
  message: string;
}

/**
 * Tests a target as a copy would use it: writes a small file, reads it back, removes it, and
 * lists the copies there. Never throws: a failure is the result.
 */
export async function testTarget(target: OffsiteTarget): Promise<TargetTest> {
  const result = { target: target.id, label: target.label, where: target.where };
  const probe = `.business-app-test.${process.pid}.${Date.now()}`;
  const text = "BusinessApp checks that it can write here; this file is removed at once.\n";
  try {
    await target.write(probe, text);
    const back = await readText(await target.read(probe), 1024);
    await target.remove(probe);
    if (back !== text) throw new OffsiteError("offsite.damaged", "a test file read back differently");
    const { copies } = await readContents(target);
    const count = copies.length === 1 ? "1 copy" : `${copies.length} copies`;
    return { ...result, ok: true, message: `works: ${count} there` };
  } catch (error) {
    return { ...result, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
