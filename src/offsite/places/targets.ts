import type { ManifestRecord, RetentionFacts } from "../../backup/index.ts";
import type { Log } from "../../lib/log.ts";
import type { Clock } from "../../lib/time.ts";
import type { Timers } from "../../lib/timers.ts";
import type { OffsiteLedger, PlaceLedger } from "../copies/ledger.ts";
import type { CopyPolicy } from "../copies/plan.ts";
import { OffsiteError } from "../errors.ts";
import { mirrorTarget } from "./mirror.ts";
import { deadline, type S3Timeouts } from "./s3/http.ts";
import type { StoreTuning } from "./s3/store.ts";
import { type S3TargetOptions, s3Target, s3Where } from "./s3.ts";
import type { OffsiteTarget, TargetId } from "./target.ts";

/** Off-site copies as the service takes them (the settings mapped in `app/settings/options.ts`). */
export interface OffsiteOptions {
  /** A folder on another disk (USB drive, NAS), or null. */
  mirrorDir: string | null;
  s3: S3TargetOptions | null;
  /** Copies are encrypted (age) to each place's key, itself encrypted with it, when set. */
  passphrase: string | null;
  policy: CopyPolicy;
  /** How long one request (or one call to the mirror folder) may wait for an answer and between chunks. */
  timeouts: S3Timeouts;
  /** How long a whole run may take before it is given up. */
  runDeadlineMs: number;
  /** Part and page sizes and listing bounds of S3 (tests make them small). */
  s3Tuning?: StoreTuning;
}

/** What the service works with besides its options. */
export interface OffsiteServiceDeps {
  /** The local backups, newest first, and the folder they are in. */
  backups: {
    list(): ManifestRecord[];
    readonly backupsDir: string;
    pathOf(name: string): string;
    /** What retention is judged against, as locally (a failed automatic backup holds it there too). */
    retentionFacts?(): RetentionFacts;
  };
  log: Log;
  clock: Clock;
  timers?: Timers;
  /** Keeps runs one at a time across processes (the server and `offsite sync`). */
  lockPath: string;
  /** Keeps the opening or making of a place's key one at a time across processes. */
  keyLockPath: string;
  /** What this installation wrote to each place (`offsite.json` in the backup folder). */
  ledger: OffsiteLedger;
  /** The audit trail (`business_audit.db`): copied off-site with a passphrase, brought back on a new PC. */
  auditPath?: string;
}

/** How the ledger names a place: another folder or bucket is another place. */
export const placeId = (target: Pick<OffsiteTarget, "id" | "where">) => `${target.id} ${target.where}`;

/** A target with its part of the ledger. */
export interface Place {
  target: OffsiteTarget;
  ledger: PlaceLedger;
}

/** The places the options set up: the mirror folder first (the faster one to restore from). */
export function placesOf(options: OffsiteOptions, ledger: OffsiteLedger): Place[] {
  const places: Place[] = [];
  if (options.mirrorDir !== null) {
    const own = ledger.place(placeId({ id: "mirror", where: options.mirrorDir }));
    places.push({ target: mirrorTarget(options.mirrorDir, own, options.timeouts), ledger: own });
  }
  if (options.s3 !== null) {
    const own = ledger.place(placeId({ id: "s3", where: s3Where(options.s3) }));
    places.push({ target: s3Target(options.s3, own, options.timeouts, options.s3Tuning), ledger: own });
  }
  return places;
}

/** A deadline for work on a place outside a run: `what` took longer than `ms` (`offsite.timeout`). */
export function placeDeadline(ms: number, what: string): { signal: AbortSignal; clear(): void } {
  return deadline(
    ms,
    () => new OffsiteError("offsite.timeout", `${what} took longer than ${Math.round(ms / 1000)} s`),
  );
}

/** The outcome of a connection test of one target (`place-checks.ts`). */
export interface TargetTest {
  target: TargetId;
  label: string;
  where: string;
  ok: boolean;
  /** "works: 3 copies there", or the failure: what kind, the HTTP status, what to do. */
  message: string;
}

/** "3 objects here that BusinessApp did not write; left alone". */
export function foreignWords(count: number): string {
  return `${count === 1 ? "1 object" : `${count} objects`} here that BusinessApp did not write; left alone`;
}

/** What a place's line says when no passphrase is set: its copies carry no proof of who wrote them. */
export const UNAUTHENTICATED =
  "not authenticated: without a passphrase anyone who can write there could put a copy there (each is checked, and rebuilt, before it is restored)";
