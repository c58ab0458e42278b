import type { MigrationMeta } from "drizzle-orm/migrator";
import pkg from "../package.json" with { type: "json" };
import type { AlertEmail } from "./app/alerts/alert-email.ts";
import type { AlertMonitor } from "./app/alerts/alert-monitor.ts";
import { createAlerting } from "./app/alerts/alerting.ts";
import type { WeeklySummary } from "./app/alerts/weekly-summary.ts";
import { consoleUrl } from "./app/console-url.ts";
import { type ContinuousView, continuousRoom, continuousView } from "./app/continuous.ts";
import { RecoveryController } from "./app/restore/recovery.ts";
import {
  auditRetention,
  backupCadence,
  emailOptions,
  fileWait,
  offsiteOptions,
  retentionLimits,
} from "./app/settings/options.ts";
import { PassphraseKeeper } from "./app/settings/passphrase.ts";
import { AppSettings } from "./app/settings/settings.ts";
import { pruneAuditTrail, takeOverAuditEntries } from "./auth/audit.ts";
import { type Auth, createAuth } from "./auth/auth.ts";
import { createSessionStore } from "./auth/sessions.ts";
import type { BackgroundHold, RestoreStep } from "./backup/index.ts";
import { BackupBusyError, BackupEngine, ContinuousCapture } from "./backup/index.ts";
import { type LoadedConfig, type LoadInput, loadConfig } from "./config/load.ts";
import type { DataPaths } from "./config/paths.ts";
import { SettingsStore } from "./config/settings-store.ts";
import { DatabaseHandle } from "./db/handle.ts";
import { formatBytes } from "./lib/format.ts";
import { createLog, type Log, type LogOptions } from "./lib/log.ts";
import { type Clock, systemClock } from "./lib/time.ts";
import type { Timers } from "./lib/timers.ts";
import { ChangeShipping } from "./offsite/continuous/shipping.ts";
import { OffsiteLedger } from "./offsite/copies/ledger.ts";
import { OffsiteDrills } from "./offsite/drills/drill.ts";
import { OffsiteService } from "./offsite/service.ts";
import { DrillSchedule } from "./scheduler/drills.ts";
import { BackupScheduler } from "./scheduler/scheduler.ts";
import type { WebDeps } from "./web/deps.ts";

export const VERSION: string = pkg.version;

/** What tests, the fault suite and the bench set differently from a real run. */
export interface AppOptions {
  clock?: Clock;
  timers?: Timers;
  /** Free bytes where a folder lives. */
  freeSpace?: (dir: string) => number;
  /** Where log lines are echoed besides backup.log: the console unless given (null: nowhere). */
  echo?: LogOptions["echo"];
  /**
   * "own" (serve, tests): the app keeps its own connection to the database, closed and reopened
   * around a restore. "none" (commands on the data folder): the engine works on the files alone.
   */
  connection?: "own" | "none";
  /** Called before each step of a restore's file swap (the crash tests kill the process there). */
  beforeRestoreStep?: (step: RestoreStep) => void;
  /** Called when a piece of background work is done, before it is recorded (a test holds a check there). */
  backgroundHold?: BackgroundHold;
  /** The database migrations (default: the embedded ones); a test adds one to play a newer version. */
  migrations?: MigrationMeta[];
  /** The timers of off-site copies' retries. */
  offsiteTimers?: Timers;
}

/** Every service of the app, built once from the settings. */
export interface App {
  readonly version: string;
  /** The settings as loaded at start (`settings.current` has the latest). */
  readonly config: LoadedConfig;
  readonly paths: DataPaths;
  readonly log: Log;
  readonly db: DatabaseHandle;
  readonly engine: BackupEngine;
  readonly scheduler: BackupScheduler;
  /** Restore drills on a schedule (`drill_interval_days`). */
  readonly drills: DrillSchedule;
  /** Off-site drills: the newest copy in each place, on demand and on the same interval (`placeDrills`). */
  readonly offsiteDrills: OffsiteDrills;
  /** Off-site drills on a schedule (`drill_interval_days`), each place counted from its own last drill. */
  readonly placeDrills: DrillSchedule;
  /** What needs attention (`computeAlerts`), looked at every minute, sent to `alert_webhook_url`. */
  readonly alerts: AlertMonitor;
  /** E-mail alerts and the weekly summary through the shop's mail account; `test()` for the button and `email test`. */
  readonly email: AlertEmail;
  /** The weekly summary by e-mail (`alert_email_weekly_summary`), started by a serving app. */
  readonly weeklySummary: WeeklySummary;
  readonly auth: Auth;
  readonly recovery: RecoveryController;
  readonly settings: AppSettings;
  /** Off-site copies: started by a serving app; the commands use it directly. */
  readonly offsite: OffsiteService;
  /** Continuous protection: every committed change captured while the app serves (`continuous_protection`). */
  readonly continuous: ContinuousCapture;
  /** Continuous protection off the PC: the change files sent to every off-site place. */
  readonly shipping: ChangeShipping;
  /** Continuous protection as the status shows it (`continuousView`). */
  continuousStatus(): ContinuousView;
  /** What the web layer is built from (`createWebApp`). */
  readonly web: WebDeps;
}

/**
 * The composition root: loads the settings (flag > environment > config file > default; throws
 * `ConfigError`) and builds every service from them, once. The command line, the web test
 * fixture, the engine's test fixtures, the fault suite and the bench all start here. Creates
 * nothing on disk: opening the database and starting the services is `startServices`' work.
 */
export function createApp(input: LoadInput, options: AppOptions = {}): App {
  const config = loadConfig(input);
  const { paths, settings } = config;
  const clock = options.clock ?? systemClock;
  const log = createLog({ path: paths.log, clock, echo: options.echo });
  const db = new DatabaseHandle(paths.database, options.migrations ? { migrations: options.migrations } : {});
  const engine = new BackupEngine({
    database: paths.database,
    backupsDir: paths.backupsDir,
    operationLock: paths.operationLock,
    log,
    retention: retentionLimits(settings),
    // Retention waits while the last automatic backup failed (the alerts keep that across restarts).
    automaticFailedAt: () => {
      const run = alerts.lastAutomaticRun();
      return run && !run.ok ? run.at : null;
    },
    db: options.connection === "none" ? null : db,
    clock,
    manualBackupsPerHour: settings.manual_backups_per_hour,
    fileWait: fileWait(settings, log),
    ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}),
    ...(options.beforeRestoreStep ? { beforeRestoreStep: options.beforeRestoreStep } : {}),
    ...(options.backgroundHold ? { backgroundHold: options.backgroundHold } : {}),
    migrations: db.migrations,
  });
  // After every restore everyone signs in again: the sessions inside the restored file end too.
  engine.events.onRestored((restored) => createSessionStore({ db: restored, clock }).endAll());
  const offsite = new OffsiteService(offsiteOptions(settings), {
    backups: engine,
    log,
    clock,
    ...(options.offsiteTimers ? { timers: options.offsiteTimers } : {}),
    lockPath: paths.offsiteLock,
    keyLockPath: paths.offsiteKeyLock,
    ledger: new OffsiteLedger(paths.offsiteLedger),
    auditPath: paths.audit,
  });
  // Every new backup goes off-site in the background; the backup itself never waits for it.
  engine.events.onBackupMade(() => offsite.backupMade());
  const keepDays = () => appSettings.current.settings.continuous_keep_days;
  const shipping = new ChangeShipping({ offsite, backupsDir: paths.backupsDir, keepDays, clock, log });
  const continuous = new ContinuousCapture({
    database: db,
    backupsDir: paths.backupsDir,
    log,
    clock,
    keepDays,
    onChange: () => shipping.changed(),
    background: engine.background,
  });
  const continuousStatus = () => continuousView(continuous, shipping, paths.backupsDir);
  // After a restore the capture begins a new chain from the restored database: expected, no loss.
  engine.events.onRestored(() => continuous.replaced());
  const auth = createAuth({ db, clock, auditPath: paths.audit });
  db.onOpen((sqlite) => takeOverAuditEntries(auth.audit, sqlite, log));
  const scheduler = new BackupScheduler({
    cadence: backupCadence(settings),
    log,
    clock,
    ...(options.timers ? { timers: options.timers } : {}),
    run: async () => {
      try {
        const record = await engine.createBackup({ kind: "automatic", createdBy: "scheduler" });
        return `${record.name} (${formatBytes(record.size)})`;
      } catch (error) {
        // The scheduler tries it again within minutes (and logs when).
        if (error instanceof BackupBusyError) log.warning(`Automatic backup postponed: ${error.message}`);
        throw error;
      }
    },
  });
  const drills = new DrillSchedule({
    // Background work: a restore or backup someone starts meanwhile goes first.
    run: () => engine.drills.scheduled(),
    lastAt: () => engine.drills.last()?.at ?? null,
    intervalDays: settings.drill_interval_days,
    log,
    clock,
    ...(options.timers ? { timers: options.timers } : {}),
  });
  const offsiteDrills = new OffsiteDrills({
    engine,
    offsite,
    log,
    clock,
    lockPath: paths.offsiteDrillLock,
    wait: fileWait(settings, log),
  });
  const placeDrills = new DrillSchedule({
    run: () => offsiteDrills.drillDue(appSettings.current.settings.drill_interval_days),
    lastAt: () => offsiteDrills.lastAt(),
    intervalDays: settings.drill_interval_days,
    log,
    what: "Off-site drill",
    clock,
    ...(options.timers ? { timers: options.timers } : {}),
  });
  const { webhook, email, alerts, weeklySummary } = createAlerting({
    initial: settings,
    engine,
    scheduler,
    drills,
    offsiteDrills,
    settings: () => appSettings.current.settings,
    clock,
    log,
    timers: options.timers,
    offsite,
    passphraseDueAt: () => passphrase.status().dueAt,
    continuousRoom: () => continuousRoom(paths.backupsDir),
    continuousStatus: () =>
      appSettings.current.settings.continuous_protection
        ? { ...continuous.health(), places: shipping.health() }
        : null,
  });
  const recovery = new RecoveryController({
    engine,
    offsite,
    scheduler,
    drills: [drills, placeDrills],
    db,
    log,
    audit: auth.audit,
    baseUrl: () => consoleUrl(settings.host, settings.port),
  });
  engine.events.onDatabaseUnusable((reason) =>
    recovery.enter(`The database cannot be used: the restored database could not be opened (${reason}).`),
  );
  const appSettings = new AppSettings({
    store: new SettingsStore(input, config),
    log,
    wait: fileWait(settings, log),
    applyTo: (next) => {
      scheduler.reschedule(backupCadence(next));
      engine.setRetention(retentionLimits(next));
      drills.setIntervalDays(next.drill_interval_days);
      placeDrills.setIntervalDays(next.drill_interval_days);
      webhook.setUrl(next.alert_webhook_url);
      email.configure(emailOptions(next));
      pruneAuditTrail(auth.audit, auditRetention(next), log);
      offsite.configure(offsiteOptions(next));
    },
  });
  const passphrase = new PassphraseKeeper(paths.backupsDir, {
    settings: appSettings,
    tryPassphrase: (text) => offsite.tryPassphrase(text),
    clock,
    log,
  });
  const web: WebDeps = {
    db,
    paths,
    log,
    version: VERSION,
    clock,
    engine,
    scheduler,
    drills,
    offsiteDrills,
    alerts,
    recovery,
    auth,
    settings: appSettings,
    offsite,
    passphrase,
    email,
    continuous: { status: continuousStatus },
    listenHost: settings.host,
    allowedHosts: settings.allowed_hosts,
  };
  return {
    version: VERSION,
    config,
    paths,
    log,
    db,
    engine,
    scheduler,
    drills,
    offsiteDrills,
    placeDrills,
    alerts,
    email,
    weeklySummary,
    auth,
    recovery,
    settings: appSettings,
    offsite,
    continuous,
    shipping,
    continuousStatus,
    web,
  };
}
