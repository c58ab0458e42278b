import { mkdirSync } from "node:fs";
import { auditRetentionOf, pruneAuditTrail } from "../auth/audit.ts";
import { type Auth, createAuth } from "../auth/auth.ts";
import type { BackupEngine } from "../backup/engine.ts";
import { BackupBusyError, DatabaseDamagedError } from "../backup/errors.ts";
import { RecoveryState } from "../backup/recovery.ts";
import { type LoadedConfig, loadConfig, type RawSettings } from "../config/load.ts";
import type { Settings } from "../config/schema.ts";
import { SettingsStore } from "../config/settings-store.ts";
import { DatabaseClosedError, DatabaseHandle } from "../db/handle.ts";
import { describeError } from "../lib/errors.ts";
import { acquireFileLock, type FileLock, LockHeldError } from "../lib/file-lock.ts";
import { formatBytes } from "../lib/format.ts";
import { createLog, type Log } from "../lib/log.ts";
import { systemClock } from "../lib/time.ts";
import { BackupScheduler, cadenceOf } from "../scheduler/scheduler.ts";
import { createWebApp, PortInUseError, type Server, startServer } from "../web/server.ts";
import { type FlagSpec, parseFlags, UsageError } from "./args.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { createRecoveryPort, createSettingsPort } from "./web-ports.ts";
import { createEngine, DATA_FLAGS } from "./wiring.ts";

export const SERVE_FLAGS: FlagSpec[] = [
  { name: "port", value: "N", help: "port of the web interface (default 5000)" },
  {
    name: "host",
    value: "ADDRESS",
    help: "address to listen on (default 127.0.0.1; 0.0.0.0 for the network)",
  },
  ...DATA_FLAGS,
  { name: "interval-hours", value: "N", help: "hours between automatic backups (default 6)" },
  { name: "schedule", value: "CRON", help: 'cron expression instead of an interval, e.g. "0 30 */6 * * *"' },
  { name: "max-backups", value: "N", help: "automatic backups to keep (default 10)" },
  { name: "no-startup-backup", help: "do not take a backup when the app starts" },
];

/** Settings given as flags, in the config file's key names. */
export function settingsFromFlags(values: Record<string, string | boolean | undefined>): RawSettings & {
  data_dir?: string;
  config?: string;
} {
  if (values["interval-hours"] !== undefined && values.schedule !== undefined) {
    throw new UsageError("Give either --interval-hours or --schedule, not both.");
  }
  const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : undefined);
  const flags: RawSettings & { data_dir?: string; config?: string } = {};
  const map: [string, keyof typeof flags][] = [
    ["port", "port"],
    ["host", "host"],
    ["data-dir", "data_dir"],
    ["config", "config"],
    ["interval-hours", "interval_hours"],
    ["schedule", "schedule"],
    ["max-backups", "max_backups"],
  ];
  for (const [flag, key] of map) {
    const value = text(flag);
    if (value !== undefined) (flags as Record<string, string>)[key] = value;
  }
  if (values["no-startup-backup"] === true) flags.startup_backup = false;
  return flags;
}

function isLoopback(host: string): boolean {
  return (
    host === "127.0.0.1" ||
    host === "::1" ||
    host === "[::1]" ||
    host === "localhost" ||
    host.startsWith("127.")
  );
}

function displayUrl(host: string, port: number): string {
  if (isLoopback(host) || host === "0.0.0.0" || host === "::") return `http://localhost:${port}`;
  return `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
}

/** Resolves when the process is asked to stop (Ctrl+C, SIGTERM). */
function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** Everything `serve` runs, wired together. */
interface Services {
  auth: Auth;
  config: LoadedConfig;
  log: Log;
  db: DatabaseHandle;
  engine: BackupEngine;
  scheduler: BackupScheduler;
  recovery: RecoveryState;
}

/**
 * Recovery mode: the database would not open or failed its check. The app keeps serving, takes
 * no automatic backups (so no healthy backup is rotated out), and prints a one-time link.
 */
function enterRecovery(services: Services, reason: string): void {
  const { db, log, recovery, scheduler, config } = services;
  scheduler.stop();
  try {
    db.close();
  } catch {
    // A database that cannot be checkpointed is closed all the same.
  }
  const token = recovery.enter(reason);
  const { host, port } = config.settings;
  log.error(
    `The database cannot be used: ${reason}. The app runs in recovery mode; no backup is rotated out.`,
  );
  log.info(`Open this link once to restore a backup: ${displayUrl(host, port)}/recovery?token=${token}`);
}

/** With no users yet, prints the one-time link that creates the first super administrator. */
function offerFirstRunSetup(services: Services): void {
  const { auth, log, config } = services;
  const token = auth.setup.issue();
  const { host, port } = config.settings;
  log.info(
    `No users yet. Open this link within 30 minutes to create the first super administrator: ${displayUrl(host, port)}/setup?token=${token}`,
  );
}

/**
 * Hourly housekeeping of the database: expired sessions, the audit retention and the summary
 * rows of refusals still counted. `settings` is read each time, so a change on the Settings
 * page counts from the next run on (the page also applies it at once).
 */
function sweepDatabase(services: Services, settings: () => Settings, final = false): void {
  const { auth, log } = services;
  try {
    auth.sessions.sweep();
    auth.audit.flushRefusals({ all: final });
    pruneAuditTrail(auth.audit, auditRetentionOf(settings()), log);
  } catch (error) {
    // The database is closed (a restore or recovery mode): nothing to sweep now.
    if (!(error instanceof DatabaseClosedError))
      log.warning(`Database housekeeping failed: ${describeError(error)}`);
  }
}

/** After the first answer: the startup backup (which checks the database), then new files. */
async function runStartupTasks(services: Services): Promise<void> {
  const { engine, config } = services;
  try {
    if (config.settings.startup_backup) {
      await engine.createBackup({ kind: "startup", createdBy: "startup" });
    } else {
      const health = await engine.checkDatabase({ full: false });
      if (!health.ok) enterRecovery(services, `it failed its check (${health.reason})`);
    }
  } catch (error) {
    if (error instanceof DatabaseDamagedError)
      enterRecovery(services, error.message.replace(/^the database is /, ""));
    // Any other failure is in the log and the status; the app goes on serving.
  }
  await engine.verifyNew().catch(() => {});
}

function createServices(config: LoadedConfig, log: Log): Services {
  const db = new DatabaseHandle(config.paths.database);
  // Filled in below: a restored file that will not open puts the app into recovery mode.
  let onUnusable: (reason: string) => void = () => {};
  const engine = createEngine(config, log, db, (reason) => onUnusable(reason));
  const scheduler = new BackupScheduler({
    cadence: cadenceOf(config.settings),
    log,
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
  const recovery = new RecoveryState();
  const auth = createAuth({ db, clock: systemClock });
  const services = { auth, config, log, db, engine, scheduler, recovery };
  onUnusable = (reason) => enterRecovery(services, reason);
  return services;
}

/**
 * `serve`: the web interface. Returns the exit code once the app has stopped; on a stop
 * signal it stops taking requests, lets running ones and a running backup finish, checkpoints
 * and closes the database, logs that it stopped and releases the data folder.
 */
export async function serveCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, SERVE_FLAGS);
  const input = {
    flags: settingsFromFlags(values),
    env: ctx.env,
    appDir: ctx.appDir,
    cwd: ctx.cwd,
  };
  const config = loadConfig(input);
  const { settings, paths } = config;

  try {
    mkdirSync(paths.backupsDir, { recursive: true });
  } catch (error) {
    ctx.stderr(`Cannot create the folder ${paths.backupsDir}: ${describeError(error)}\n`);
    return EXIT.failed;
  }

  let lock: FileLock;
  try {
    lock = acquireFileLock(paths.instanceLock);
  } catch (error) {
    if (error instanceof LockHeldError) {
      ctx.stderr(
        `Another instance is running (pid ${error.pid ?? "unknown"}) on the data folder ${paths.dataDir}.\n`,
      );
      return EXIT.locked;
    }
    throw error;
  }

  const log = createLog({ path: paths.log });
  const services = createServices(config, log);
  const { db, engine, scheduler, recovery } = services;
  let server: Server | null = null;
  try {
    log.info(
      `Application starting: BusinessApp ${ctx.version}, pid ${process.pid}, data folder ${paths.dataDir}`,
    );
    engine.cleanupLeftovers();
    let openError: string | null = null;
    let userCount = 0;
    try {
      db.open();
      // The first real read: a damaged file often opens and fails here.
      userCount = services.auth.users.count();
    } catch (error) {
      openError = describeError(error);
    }
    const settingsStore = new SettingsStore(input, config);
    const currentSettings = () => settingsStore.current.settings;
    const app = createWebApp({
      db,
      paths,
      log,
      version: ctx.version,
      engine,
      scheduler,
      recovery: createRecoveryPort({ state: recovery, engine, scheduler, log }),
      auth: services.auth,
      settings: createSettingsPort({ store: settingsStore, engine, scheduler, auth: services.auth, log }),
      listenHost: settings.host,
      allowedHosts: settings.allowed_hosts,
    });
    server = startServer(app, {
      host: settings.host,
      port: settings.port,
      maxUploadMb: settings.max_upload_mb,
    });
    if (!isLoopback(settings.host)) {
      log.warning(
        `Listening on ${settings.host}:${settings.port}: the app is reachable from other computers on the network.`,
      );
    }
    log.info(`Application started: open ${displayUrl(settings.host, settings.port)} in a browser`);
    if (openError) {
      enterRecovery(services, `it would not open (${openError})`);
    } else {
      if (userCount === 0) offerFirstRunSetup(services);
      sweepDatabase(services, currentSettings);
      scheduler.start();
      void runStartupTasks(services);
    }
    const sweeper = setInterval(() => sweepDatabase(services, currentSettings), 3600_000);
    sweeper.unref();

    const signal = await waitForStopSignal();
    log.info(`Application stopping (${signal}): finishing running requests and backups`);
    scheduler.stop();
    await stopServer(server);
    server = null;
    clearInterval(sweeper);
    await engine.idle();
    sweepDatabase(services, currentSettings, true);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof PortInUseError) log.error(error.message);
    else log.error(`Application failed: ${describeError(error)}`);
    return EXIT.failed;
  } finally {
    if (server) server.forceStop();
    scheduler.stop();
    await engine.idle();
    closeQuietly(db, log);
    log.info("Application stopped");
    lock.release();
  }
}
async function stopServer(server: Server): Promise<void> {
  // Wait for requests in flight, but not forever for a client that never finishes.
  const force = setTimeout(() => server.forceStop(), 10_000);
  try {
    await server.stop();
  } finally {
    clearTimeout(force);
  }
}

function closeQuietly(db: DatabaseHandle, log: Log): void {
  try {
    db.close();
  } catch (error) {
    log.error(`Closing the database failed: ${describeError(error)}`);
  }
}
