import type { BackupKind } from "../backup/index.ts";
import type { RemoteCopy } from "./copies/copies.ts";
import type { CopyProgress, RunResult } from "./copies/sync.ts";
import type { PlaceKey } from "./crypto/keys.ts";
import type { PassphraseTry } from "./crypto/passphrase.ts";
import { PlaceKeys } from "./crypto/place-keys.ts";
import { OffsiteError, OffsiteNotConfiguredError } from "./errors.ts";
import { PlaceRuns } from "./place-runs.ts";
import { PlaceChecks } from "./places/place-checks.ts";
import { PlaceReads } from "./places/place-reads.ts";
import type { OffsiteTarget, TargetId } from "./places/target.ts";
import {
  foreignWords,
  type OffsiteOptions,
  type OffsiteServiceDeps,
  type Place,
  placesOf,
  type TargetTest,
} from "./places/targets.ts";
import { type CopyPlace, type OffsiteStatus, RunLedger } from "./status.ts";

/**
 * Off-site copies: once `start`ed, after each backup every place is brought up to date in the
 * background (`place-runs.ts`); a local backup never waits for a copy. Also lists, tests
 * (`place-checks.ts`) and downloads (`place-reads.ts`) copies for the command line and for
 * restores that fall back to them, and says what is known of them (`status.ts`).
 */
export class OffsiteService {
  readonly #deps: OffsiteServiceDeps;
  readonly #runs: PlaceRuns;
  readonly #ledger = new RunLedger();
  readonly #keys: PlaceKeys;
  readonly #checks: PlaceChecks;
  readonly #reads: PlaceReads;
  #options!: OffsiteOptions;
  #places: Place[] = [];

  constructor(options: OffsiteOptions, deps: OffsiteServiceDeps) {
    this.#deps = deps;
    this.#keys = new PlaceKeys({
      lockPath: deps.keyLockPath,
      clock: deps.clock,
      passphrase: () => this.#options.passphrase,
    });
    this.#runs = new PlaceRuns({
      deps,
      ledger: this.#ledger,
      keys: this.#keys,
      options: () => this.#options,
      places: () => this.#places,
      noteForeign: (target, foreign) => this.#noteForeign(target, foreign),
    });
    this.#checks = new PlaceChecks(this.#keys);
    this.#reads = new PlaceReads({
      place: (id) => this.#place(id),
      keys: this.#keys,
      options: () => this.#options,
      saw: (place, contents) => {
        this.#ledger.saw(place.target, contents.copies);
        this.#ledger.needsPassphrase(place.target, contents.encrypted && this.#options.passphrase === null);
        this.#noteForeign(place.target, contents.foreign);
      },
      pathOf: (name) => deps.backups.pathOf(name),
    });
    this.configure(options);
  }

  /** Applies new settings; what is known of a target stays while it is the same place. */
  configure(options: OffsiteOptions): void {
    const before = this.configured;
    this.#options = options;
    this.#places = placesOf(options, this.#deps.ledger);
    this.#ledger.keepOnly(this.targets());
    // Set up just now (the Settings page): the first copies follow at once, not at the next backup.
    if (!before && this.configured) this.#runs.request();
  }

  get configured(): boolean {
    return this.#places.length > 0;
  }

  /** Whether backups of `kind` are copied off-site at all (`offsite_kinds`). */
  copies(kind: BackupKind): boolean {
    return this.#options.policy.kinds.has(kind);
  }

  get encrypted(): boolean {
    return this.#options.passphrase !== null;
  }

  targets(): OffsiteTarget[] {
    return this.#places.map((p) => p.target);
  }

  #place(id: TargetId): Place {
    const found = this.#places.find((p) => p.target.id === id);
    if (found) return found;
    throw new OffsiteNotConfiguredError(
      id === "s3" ? "Off-site copies to S3 are not set up" : "No mirror folder is set up",
    );
  }

  /** The target `id`; `OffsiteNotConfiguredError` when it is not set up. */
  target(id: TargetId): OffsiteTarget {
    return this.#place(id).target;
  }

  /**
   * Copies from now on after each backup, and once now. The places' keys are opened now, in the
   * background (`openKeys`): the first copy after a backup does not wait for the passphrase's scrypt.
   */
  start(): void {
    this.#runs.start();
    void this.openKeys();
  }

  /**
   * Opens each place's key with the passphrase, once for the process (`keys.ts` keeps it): a key
   * file costs one scrypt of 256 MiB for about a second, paid here rather than in a copy. Never
   * makes a key, never fails: what goes wrong is the next run's to report.
   */
  async openKeys(): Promise<void> {
    if (this.#options.passphrase === null) return;
    await Promise.all(this.#places.map((place) => this.#keys.open(place).catch(() => null)));
  }

  /** No more runs; the one going on is given up (what it copied so far stays, half a copy never does). */
  stop(): Promise<void> {
    return this.#runs.stop();
  }

  /** Called after each backup: once started, a run follows in the background. */
  backupMade(): void {
    if (this.configured) this.#runs.request();
  }

  /**
   * An operation someone started goes first (`PlaceRuns.makeWay`): the run in the background is
   * given up, nothing of it counted as failed, and runs again once `ended` resolves.
   */
  makeWay(ended: Promise<void>): void {
    this.#runs.makeWay(ended);
  }

  /** Resolves once no run is going on. */
  idle(): Promise<void> {
    return this.#runs.idle();
  }

  /**
   * `syncNow` after the run another process is making (the serving app's, in the background): while
   * it holds the off-site lock, `waiting` is called once and the lock is tried again every half
   * second, at most as long as that run may take (its deadline) and a minute; then `OffsiteBusyError`.
   */
  syncAfterOthers(waiting: () => void): Promise<RunResult> {
    return this.#runs.syncAfterOthers(waiting);
  }

  /**
   * One run now over every place, holding the off-site lock: `OffsiteBusyError` when another
   * process has it, `OffsiteNotConfiguredError` when there is none. A place's failure is its
   * result (logged, counted, and, once started, tried again later), not an exception. A run that
   * takes longer than the deadline is given up where it is (half a copy is never listed) and
   * fails with `offsite.timeout`.
   */
  syncNow(): Promise<RunResult> {
    return this.#runs.syncNow();
  }

  /** Says once in the log what a place holds that the app did not write (and again when that changes). */
  #noteForeign(target: OffsiteTarget, foreign: string[]): void {
    if (!this.#ledger.sawForeign(target, foreign.length) || foreign.length === 0) return;
    this.#deps.log.warning(`${target.label} (${target.where}): ${foreignWords(foreign.length)}`);
  }

  /**
   * Each place with the copies this installation recorded writing there (`offsite.json`), by
   * backup name; asks no place, so it says nothing of copies another PC wrote or someone removed.
   */
  recordedCopies(): { label: string; where: string; names: string[] }[] {
    return this.#places.map(({ target, ledger }) => ({
      label: target.label,
      where: target.where,
      names: Object.keys(ledger.record().copies).map((name) => name.replace(/\.age$/, "")),
    }));
  }

  /** The copy on its way now, if any. */
  progress(): CopyProgress | null {
    return this.#runs.progress();
  }

  /** What the pages and `GET /api/status` show; null when off-site copies are not set up. */
  status(): OffsiteStatus | null {
    if (!this.configured) return null;
    return this.#ledger.status(this.targets(), {
      encrypted: this.encrypted,
      running: this.#runs.running,
      retryAt: this.#runs.dueAt,
    });
  }

  /** Where each backup has copies, as last seen (no request is made). */
  places(): Map<string, CopyPlace[]> {
    return this.#ledger.places(this.targets());
  }

  /** Every backup with an off-site copy, once, as last seen (no request is made); newest first. */
  knownCopies(): RemoteCopy[] {
    return this.#ledger.copies(this.targets());
  }

  /**
   * For continuous protection's shipping (`continuous/shipping.ts`): place `id`'s target and its key
   * for writing (made when the place never held encrypted copies), or null without a passphrase.
   * A place of encrypted copies gets nothing plain: `offsite.no_passphrase`.
   */
  async forWriting(
    id: TargetId,
    signal: AbortSignal,
  ): Promise<{ target: OffsiteTarget; key: PlaceKey | null }> {
    const place = this.#place(id);
    const key = await this.#keys.forWriting(place, signal);
    if (!key && place.ledger.record().encrypted) {
      this.#ledger.needsPassphrase(place.target, true);
      throw new OffsiteError(
        "offsite.no_passphrase",
        `${place.target.label} holds encrypted copies, and no passphrase is set on this PC`,
        "set the passphrase they were made with (BUSINESS_APP_OFFSITE_PASSPHRASE, or offsite_passphrase); nothing is written there until then",
      );
    }
    if (key && !place.ledger.record().encrypted)
      await place.ledger.change((r) => {
        r.encrypted = true;
      });
    return { target: place.target, key };
  }

  /** For reading what a place holds of continuous protection: its target, its key (or null) and the passphrase. */
  async forReading(
    id: TargetId,
    signal?: AbortSignal,
  ): Promise<{ target: OffsiteTarget; key: PlaceKey | null; passphrase: string | null }> {
    const place = this.#place(id);
    return {
      target: place.target,
      key: await this.#keys.open(place, signal),
      passphrase: this.#options.passphrase,
    };
  }

  /** The places set up now, by id, mirror first. */
  placeIds(): TargetId[] {
    return this.#places.map((p) => p.target.id);
  }

  /** The copies in place `id` a restore may use, looked up now, newest first (`PlaceReads.offered`). */
  async contents(id: TargetId, purpose: "named" | "latest" = "named"): Promise<RemoteCopy[]> {
    return (await this.#reads.offered(id, purpose)).copies;
  }

  /**
   * For an off-site drill: the copies `contents(id, "latest")` offers, and the copies this
   * installation wrote there that are no longer as it wrote them (`TargetContents.lost`: cut short,
   * grown, or their sidecar changed), which the next run forgets and copies again.
   */
  drillContents(id: TargetId): Promise<{ copies: RemoteCopy[]; lost: string[] }> {
    return this.#reads.offered(id, "latest");
  }

  /**
   * Tests every place (`PlaceChecks.test`); `OffsiteNotConfiguredError` when there is none, and
   * `offsite.busy` while a test of the same place is going on (one at a time).
   */
  async test(): Promise<TargetTest[]> {
    if (!this.configured) throw new OffsiteNotConfiguredError();
    return this.#checks.test(this.#places, this.#options);
  }

  /**
   * Tests the places `options` would set up, before anyone saves them (the set-up guide): the same
   * test as `test`, with nothing kept of it.
   */
  testCandidate(options: OffsiteOptions): Promise<TargetTest[]> {
    return this.#checks.testAnyway(placesOf(options, this.#deps.ledger), options);
  }

  /** What `passphrase` opens in each place, looked at now (`PlaceChecks.tryPassphrase`); changes nothing. */
  tryPassphrase(passphrase: string): Promise<PassphraseTry[]> {
    return this.#checks.tryPassphrase(this.#places, passphrase, this.#options.timeouts.answerMs);
  }

  /**
   * The audit trail's copy in place `id`, downloaded (`PlaceReads.fetchAuditTrail`): its path, or
   * null. The caller merges it (`mergeAuditCopy`) and removes the file.
   */
  fetchAuditTrail(id: TargetId): Promise<string | null> {
    return this.#reads.fetchAuditTrail(id);
  }

  /**
   * Downloads `copy` from place `id` to a hidden temporary file in the backup folder and returns
   * its path (`fetchCopy`: decrypted, its size and SHA-256 checked); the restore moves it in.
   */
  fetch(id: TargetId, copy: RemoteCopy, onProgress?: (bytes: number) => void): Promise<string> {
    return this.#reads.download(id, copy, copy.name, onProgress);
  }

  /**
   * `fetch` for an off-site drill: the same download, under a temporary name of its own, so a
   * restore of the same copy meanwhile never meets it. The caller removes the file.
   */
  fetchForDrill(id: TargetId, copy: RemoteCopy): Promise<string> {
    return this.#reads.download(id, copy, `${copy.name}.drill`);
  }
}
