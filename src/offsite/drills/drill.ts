import { rm } from "node:fs/promises";
import type { BackupEngine, DrillFinding, ManifestRecord } from "../../backup/index.ts";
import { lineageOf, NotEnoughSpaceError, spaceNeeded } from "../../backup/index.ts";
import { describeError } from "../../lib/errors.ts";
import { acquireFileLock, LockHeldError } from "../../lib/files/file-lock.ts";
import type { SharingWait } from "../../lib/files/sharing.ts";
import type { Log } from "../../lib/log.ts";
import type { Clock } from "../../lib/time.ts";
import type { RemoteCopy } from "../copies/copies.ts";
import { OffsiteError } from "../errors.ts";
import type { TargetId } from "../places/target.ts";
import type { OffsiteService } from "../service.ts";
import { type PlaceDrillResult, readPlaceDrills, writePlaceDrill } from "./drill-record.ts";

const DAY_MS = 86_400_000;

export interface OffsiteDrillDeps {
  engine: BackupEngine;
  offsite: OffsiteService;
  log: Log;
  clock: Clock;
  /** Keeps off-site drills one at a time across processes (the server's schedule and `drill --from`). */
  lockPath: string;
  wait: SharingWait;
}

/** An off-site drill's answer: its result, or (`noCopy`) that the place holds nothing to drill yet, which is not recorded. */
export type PlaceDrill = PlaceDrillResult & { noCopy?: true };

/** One place's off-site drills as the status shows them. */
export interface PlaceDrillStatus {
  place: TargetId;
  label: string;
  where: string;
  /** Whole copies the place holds, as last seen; null before the first look. */
  copies: number | null;
  /** Its last off-site drill (of this folder or bucket), or null. */
  last: PlaceDrillResult | null;
}

const failed = (reason: string): DrillFinding => ({ ok: false, reason, tables: 0, rows: 0 });

/**
 * A failure in words a shop owner understands, as the pages show it: of a place's own failures the
 * short cause (as the off-site status says it: its detail may name settings), of a damaged copy
 * what is wrong with it, the passphrase's failures without setting names.
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof OffsiteError)) return describeError(error);
  if (error.code === "offsite.wrong_passphrase")
    return "the passphrase set on this PC does not open the copies there (it is not the one they were encrypted with)";
  if (error.code === "offsite.no_passphrase")
    return "the copies there are encrypted, and no passphrase is set on this PC";
  return error.code === "offsite.damaged" ? error.message : error.reason;
}

/**
 * Off-site drills: the restore drill of the newest copy in a place (`drill`), on demand and on
 * the schedule (`drillDue`), and what the status shows of them. No operation lock is taken: the
 * download and the check touch neither the database nor the list of backups (see
 * `BackupEngine.drills.ofBroughtCopy`), so backups and restores go on meanwhile.
 */
export class OffsiteDrills {
  readonly #deps: OffsiteDrillDeps;

  constructor(deps: OffsiteDrillDeps) {
    this.#deps = deps;
  }

  /** The last drill of each place set up now (a result of another folder or bucket is not its). */
  status(): PlaceDrillStatus[] {
    const { offsite, engine } = this.#deps;
    const recorded = readPlaceDrills(engine.backupsDir);
    const seen = new Map((offsite.status()?.targets ?? []).map((t) => [t.target, t.copies]));
    return offsite.targets().map((target) => {
      const last = recorded[target.id];
      return {
        place: target.id,
        label: target.label,
        where: target.where,
        copies: seen.get(target.id) ?? null,
        last: last && last.where === target.where ? last : null,
      };
    });
  }

  /**
   * When the places' drills are due from: the oldest last drill of the places that hold copies (or
   * might: not looked at yet); null when one of them has none yet (due now) or none holds a copy.
   */
  lastAt(): string | null {
    const places = this.status().filter((p) => p.copies !== 0);
    if (places.length === 0) return null;
    let oldest: string | null = null;
    for (const p of places) {
      if (!p.last) return null;
      if (oldest === null || p.last.at < oldest) oldest = p.last.at;
    }
    return oldest;
  }

  /**
   * The scheduled run: each place that holds copies (or has not been looked at) and whose last drill
   * is `intervalDays` old or more is drilled, one after the other. Throws only when another off-site
   * drill is going on (`offsite.busy`).
   */
  async drillDue(intervalDays: number): Promise<PlaceDrill[]> {
    const now = this.#deps.clock().getTime();
    const due = this.status().filter(
      (p) => p.copies !== 0 && (!p.last || new Date(p.last.at).getTime() + intervalDays * DAY_MS <= now),
    );
    const results: PlaceDrill[] = [];
    for (const p of due) results.push(await this.drill(p.place));
    return results;
  }

  /**
   * The off-site drill of place `id`: the newest copy there that a restore of the newest would take
   * (this database's newest data) is downloaded to a hidden temporary file in the backup folder —
   * within the place's wait for an answer and never more bytes than its sidecar announces — decrypted
   * when encrypted, its SHA-256 checked, then given the local drill's full check and its rows compared
   * with those recorded when the backup was made (the copy's sidecar, else this folder's manifest).
   * The file is removed whatever happens. A copy this installation wrote there that is no longer as
   * it wrote it (cut short, say) fails the drill, naming it. A failure is a result, kept in `offsite-drill.json` and
   * logged (INFO passed, ERROR failed); a place that holds no copy yet says so and records nothing.
   * Throws `OffsiteNotConfiguredError` when the place is not set up, `offsite.busy` while another
   * off-site drill runs (in any process).
   */
  async drill(id: TargetId): Promise<PlaceDrill> {
    const { offsite, engine, clock, log } = this.#deps;
    const target = offsite.target(id);
    const lock = this.#lock();
    try {
      const started = clock();
      const t0 = performance.now();
      let copy: RemoteCopy | undefined;
      let finding: DrillFinding;
      let empty = false;
      try {
        const there = await offsite.drillContents(id);
        copy = lineageOf(there.copies, engine.identity())[0];
        const [lost] = there.lost;
        empty = copy === undefined && lost === undefined;
        if (lost !== undefined)
          // A copy the app wrote that is no longer whole would not restore: that is the finding.
          finding = failed(
            `the copy ${lost} there is no longer as BusinessApp wrote it (cut short, grown or changed since it was copied)`,
          );
        else
          finding = copy
            ? await this.#drillCopy(id, copy)
            : failed(`${target.label} holds no copy of a backup yet`);
      } catch (error) {
        finding = failed(reasonOf(error));
      }
      const result: PlaceDrill = {
        place: id,
        label: target.label,
        where: target.where,
        at: started.toISOString(),
        backup: copy?.name ?? null,
        durationMs: Math.round(performance.now() - t0),
        ok: finding.ok,
        reason: finding.reason,
        tables: finding.tables,
        rows: finding.rows,
        countsCompared: finding.countsCompared ?? true,
      };
      if (empty) {
        log.info(`Off-site drill of ${target.label}: nothing to drill yet, it holds no copy of a backup`);
        return { ...result, noCopy: true };
      }
      await writePlaceDrill(engine.backupsDir, result, this.#deps.wait);
      const seconds = (result.durationMs / 1000).toFixed(1);
      if (result.ok)
        log.info(
          `Off-site drill of ${target.label} passed: its copy of ${result.backup} was downloaded, restored into a temporary file, opened with this version's migrations and passed integrity_check; ${result.tables} tables with ${result.rows} rows${result.countsCompared ? " as recorded" : " (no counts were recorded with the copy)"} (${seconds} s)`,
        );
      else
        log.error(
          `Off-site drill of ${target.label} failed${result.backup ? ` with ${result.backup}` : ""}: ${result.reason}`,
        );
      return result;
    } finally {
      lock.release();
    }
  }

  #lock() {
    try {
      return acquireFileLock(this.#deps.lockPath);
    } catch (error) {
      if (error instanceof LockHeldError)
        throw new OffsiteError(
          "offsite.busy",
          "Another off-site drill is going on. Try again when it has finished.",
        );
      throw error;
    }
  }

  async #drillCopy(id: TargetId, copy: RemoteCopy): Promise<DrillFinding> {
    const { engine, offsite } = this.#deps;
    const free = engine.freeBytes();
    if (free !== null && free < spaceNeeded(copy.size)) {
      const why = new NotEnoughSpaceError(spaceNeeded(copy.size), free).message;
      return failed(`${why} for the downloaded copy; free space on the disk of the backup folder`);
    }
    const temp = await offsite.fetchForDrill(id, copy);
    try {
      return await engine.drills.ofBroughtCopy(temp, recordOf(copy, engine.list()));
    } finally {
      await rm(temp, { force: true }).catch(() => {});
    }
  }
}

/**
 * What a copy's drill compares with: its sidecar's story when the app provably wrote it; else (or
 * when the sidecar was written before the backup's check counted its rows) the record here of the
 * very same bytes.
 */
function recordOf(
  copy: RemoteCopy,
  local: ManifestRecord[],
): Pick<ManifestRecord, "name" | "origin" | "rowCounts"> {
  const here = local.find((r) => r.name === copy.name && r.sha256 === copy.sha256);
  const origin = (copy.proven ? copy.origin : null) ?? here?.origin ?? null;
  const rowCounts = (copy.proven ? copy.rowCounts : null) ?? here?.rowCounts ?? null;
  return {
    name: copy.name,
    ...(origin ? { origin } : {}),
    ...(rowCounts ? { rowCounts } : {}),
  };
}
