import { closeSync, openSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { BackupEngine, DiskForecast, ManifestRecord } from "../../backup/index.ts";
import { newestDataAt } from "../../backup/index.ts";
import type { Settings } from "../../config/schema.ts";
import { describeError } from "../../lib/errors.ts";
import { writeFileAtomic } from "../../lib/files/fs-sync.ts";
import { tempNameFor } from "../../lib/files/temp-name.ts";
import type { Log } from "../../lib/log.ts";
import type { Clock } from "../../lib/time.ts";
import { realTimers, type Timers } from "../../lib/timers.ts";
import type { PlaceDrillStatus } from "../../offsite/drills/drill.ts";
import type { DrillSchedule } from "../../scheduler/drills.ts";
import type { BackupScheduler, SchedulerStatus } from "../../scheduler/scheduler.ts";
import type { ContinuousRoom } from "../continuous.ts";
import { backupCadence } from "../settings/options.ts";
import type { Alert } from "../status.ts";
import type { AlertEmail } from "./alert-email.ts";
import type { AlertWebhook } from "./alert-webhook.ts";
import { type ContinuousHealth, computeAlerts, type OffsiteHealth } from "./alerts.ts";
import { DiskForecaster } from "./disk-forecast.ts";

export const ALERTS_FILE = "alerts.json";
/** Alerts read by `/api/health` and the pages are at most this old (by the app's clock). */
const FRESH_MS = 60_000;

/** What the serving app keeps in `alerts.json`, so that a restart (and `business-app status`) knows it. */
/**
 * Why the backup folder cannot take a backup now, or null: a file in its place, or a file cannot be
 * made there (tried: permissions say little to an administrator, a read-only disk says it only then).
 */
function folderProblem(dir: string): string | null {
  try {
    if (!statSync(dir).isDirectory()) return "a file has its name";
    const probe = join(dir, tempNameFor("backups-folder", "write-check"));
    closeSync(openSync(probe, "w"));
    unlinkSync(probe);
    return null;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") return null; // Made by the next backup.
    return code === "EACCES" || code === "EPERM" || code === "EROFS"
      ? "it cannot be written"
      : describeError(error);
  }
}

interface AlertState {
  /** The first time this app looked: what "no drill yet" and "no backup yet" are counted from. */
  watchingSince: string | null;
  lastAutomaticRun: SchedulerStatus["lastRun"];
  /** The last manual backup that started (the page, the API), and how it ended. */
  lastManualRun: SchedulerStatus["lastRun"];
  /** Each alert active at the last look, with when it started (its webhook "started" was sent). */
  active: Record<string, string>;
}

function readState(path: string): AlertState {
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as Partial<AlertState> & { version?: number };
    if (data.version === 1)
      return {
        watchingSince: data.watchingSince ?? null,
        lastAutomaticRun: data.lastAutomaticRun ?? null,
        lastManualRun: data.lastManualRun ?? null,
        active: data.active ?? {},
      };
  } catch {
    // Missing or unreadable: the app starts watching anew.
  }
  return { watchingSince: null, lastAutomaticRun: null, lastManualRun: null, active: {} };
}

export interface AlertMonitorDeps {
  engine: BackupEngine;
  scheduler: BackupScheduler;
  drills: DrillSchedule;
  /** Each off-site place's last drill, for `offsite_drill_failed` and `offsite_drill_overdue`. */
  offsiteDrills?: { status(): PlaceDrillStatus[] };
  settings: () => Settings;
  clock: Clock;
  log: Log;
  timers?: Timers;
  webhook?: AlertWebhook | null;
  /** E-mail alerts through the shop's mail account (`smtp_host`, `alert_email_to`). */
  email?: AlertEmail | null;
  /** Off-site copies' health, for `offsite_failing`; absent or null while they are not configured. */
  offsiteStatus?: () => OffsiteHealth | null;
  /** Continuous protection's health, for `continuous_lagging`; absent or null while it is off. */
  continuousStatus?: () => ContinuousHealth | null;
  /** When an administrator was due to type the off-site passphrase again (`PassphraseKeeper`), for `passphrase_unconfirmed`. */
  passphraseDueAt?: () => string | null;
  /** What continuous protection's history takes in the backup folder, for the disk-full forecast (`disk_full_soon`). */
  continuousRoom?: () => ContinuousRoom;
}

/**
 * The app's alerts (`computeAlerts`) from its real state, looked at again every minute and
 * whenever the status is gathered. Each start and end of an alert is kept in `alerts.json` (with
 * the last automatic backup's outcome and the time the app started watching) and sent to the
 * webhook, once, also across restarts. `current()` is cheap: `/api/health` and every page use it.
 */
export class AlertMonitor {
  readonly #deps: AlertMonitorDeps;
  readonly #path: string;
  #alerts: Alert[] = [];
  readonly #forecaster: DiskForecaster;
  #forecast: DiskForecast | null = null;
  #lookedAt = Number.NEGATIVE_INFINITY;
  #timer: unknown = null;
  /** Read from the file at the first look, then kept here and written through (one write at a time). */
  #state: AlertState | null = null;
  #saving: Promise<void> = Promise.resolve();
  /** The last try of the backup folder (`#folderProblem`), by the app's clock. */
  #probed: { at: number; problem: string | null } | null = null;

  constructor(deps: AlertMonitorDeps) {
    this.#deps = deps;
    this.#path = join(deps.engine.backupsDir, ALERTS_FILE);
    this.#forecaster = new DiskForecaster({
      settings: deps.settings,
      clock: deps.clock,
      ...(deps.continuousRoom ? { continuousRoom: deps.continuousRoom } : {}),
    });
  }

  /** The disk-full forecast of the last look (the status shows it beside the alerts it raised). */
  forecast(): DiskForecast | null {
    return this.#forecast;
  }

  /**
   * The last automatic backup's outcome: this app's scheduler's, else as `alerts.json` keeps it
   * (after a restart, in a command beside the serving app).
   */
  lastAutomaticRun(): SchedulerStatus["lastRun"] {
    return this.#deps.scheduler.status().lastRun ?? (this.#state ?? readState(this.#path)).lastAutomaticRun;
  }

  /** The alerts of the last look, looking again when that is over a minute ago. */
  current(): Alert[] {
    if (this.#deps.clock().getTime() - this.#lookedAt >= FRESH_MS) this.refresh();
    return this.#alerts;
  }

  /** Looks now (`listing`: the backups when the caller has them), records what started or ended, and sends it. */
  refresh(listing?: ManifestRecord[]): Alert[] {
    const { clock, scheduler, log } = this.#deps;
    const notifiers = this.#notifiers();
    const now = clock();
    this.#lookedAt = now.getTime();
    this.#state ??= readState(this.#path);
    const state = this.#state;
    const before = JSON.stringify(state);
    state.watchingSince ??= now.toISOString();
    state.lastAutomaticRun = scheduler.status().lastRun ?? state.lastAutomaticRun;
    state.lastManualRun = this.#deps.engine.lastManualRun ?? state.lastManualRun;
    const found = this.#compute(state, listing);
    const active: Record<string, string> = {};
    for (const alert of found) {
      const started = state.active[alert.id];
      active[alert.id] = started ?? alert.since;
      if (!started) {
        log.warning(`Alert: ${alert.message} ${alert.action}`);
        for (const n of notifiers)
          n.send("alert.started", { ...alert, since: active[alert.id] as string }, "degraded");
      }
    }
    for (const [id, since] of Object.entries(state.active)) {
      if (active[id]) continue;
      log.info(`Alert cleared: ${id.replaceAll("_", " ")}`);
      for (const n of notifiers) n.send("alert.cleared", { id, since }, found.length > 0 ? "degraded" : "ok");
    }
    state.active = active;
    this.#alerts = found.map((a) => ({ ...a, since: active[a.id] ?? a.since }));
    if (JSON.stringify(state) !== before) this.#save(state);
    return this.#alerts;
  }

  /** Resolves once what the looks so far found is written to `alerts.json` (not waiting for the sends). */
  saved(): Promise<void> {
    return this.#saving;
  }

  /** Resolves once what the looks so far found is written to `alerts.json` and sent to the webhook and by e-mail. */
  async settled(): Promise<void> {
    await this.saved();
    await Promise.all(this.#notifiers().map((n) => n.settled()));
  }

  #notifiers(): (AlertWebhook | AlertEmail)[] {
    return [this.#deps.webhook, this.#deps.email].filter((n) => n != null);
  }

  /** The alerts now, from what is on disk, changing nothing: `business-app status` beside (or without) the app. */
  peek(): Alert[] {
    const state = readState(this.#path);
    return this.#compute(state).map((a) => ({ ...a, since: state.active[a.id] ?? a.since }));
  }

  /** Looks every minute (timers passed in), so alerts start and end, and reach the webhook, without a visitor. */
  start(): void {
    const timers = this.#deps.timers ?? realTimers;
    const look = () => {
      this.refresh();
      this.#timer = timers.set(look, FRESH_MS);
    };
    look();
  }

  stop(): void {
    if (this.#timer !== null) (this.#deps.timers ?? realTimers).clear(this.#timer);
    this.#timer = null;
  }

  #compute(state: AlertState, listing?: ManifestRecord[]): Alert[] {
    const { engine, drills, settings, clock } = this.#deps;
    const records = listing ?? engine.list();
    const latest = engine.newestGood(records);
    const current = settings();
    const freeBytes = engine.freeBytes();
    this.#forecast = this.#forecaster.forecast(records, freeBytes);
    return computeAlerts({
      now: clock(),
      cadence: backupCadence(current),
      lastAutomaticRun: state.lastAutomaticRun,
      lastManualRun: state.lastManualRun,
      latestHealthy: latest ?? null,
      newestDataAt: newestDataAt(records),
      folderProblem: this.#folderProblem(),
      drill: { intervalDays: drills.status().intervalDays, last: engine.drills.last() },
      placeDrills: this.#deps.offsiteDrills?.status() ?? [],
      watchingSince: state.watchingSince,
      freeBytes,
      databaseBytes: engine.databaseBytes(),
      forecast: this.#forecast,
      offsite: this.#deps.offsiteStatus?.() ?? null,
      continuous: this.#deps.continuousStatus?.() ?? null,
      passphraseDueAt: this.#deps.passphraseDueAt?.() ?? null,
    });
  }

  /**
   * `folderProblem`, tried again at most once a minute while the last try found none: each try makes
   * and removes a file in the backup folder, which changes the folder, so the engine's kept listing
   * would be built again from every file at each look of the page.
   */
  #folderProblem(): string | null {
    const now = this.#deps.clock().getTime();
    const last = this.#probed;
    if (last && last.problem === null && now >= last.at && now - last.at < FRESH_MS) return null;
    const problem = folderProblem(this.#deps.engine.backupsDir);
    this.#probed = { at: now, problem };
    return problem;
  }

  #save(state: AlertState): void {
    const text = `${JSON.stringify({ version: 1, ...state }, null, 2)}\n`;
    this.#saving = this.#saving.then(async () => {
      try {
        await writeFileAtomic(this.#path, text, { wait: { timeoutMs: 0 } });
      } catch {
        // The backup folder cannot be written now: a later change writes it; the alerts themselves stand.
      }
    });
  }
}
