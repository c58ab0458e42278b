import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { consoleProcessCount } from "#runtime/process.ts";
import { consoleUrl, localUrl } from "../../app/console-url.ts";
import { EXIT } from "../../app/error-codes.ts";
import { openDatabase, type RunningServices, startServices } from "../../app/lifecycle.ts";
import { isStartRefusal } from "../../app/upgrade.ts";
import { createApp } from "../../app.ts";
import type { RawSettings } from "../../config/load.ts";
import { runningUrlFile } from "../../config/paths.ts";
import { describeError } from "../../lib/errors.ts";
import { acquireFileLock, type FileLock, LockHeldError } from "../../lib/files/file-lock.ts";
import { isLoopbackHost } from "../../lib/hosts.ts";
import { openInBrowser } from "../../lib/open-url.ts";
import { createWebApp, PortInUseError, type Server, startServer } from "../../web/server.ts";
import { type FlagSpec, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { listenForStop } from "../stop-signals.ts";
import { DATA_FLAGS } from "../wiring.ts";

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
  { name: "no-browser", help: "do not open the web interface in the browser at start" },
  {
    name: "new-database",
    help: "start with an empty database although the database file is missing and backups exist (every backup is kept)",
  },
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
  if (values["no-browser"] === true) flags.open_browser = false;
  return flags;
}

/**
 * `serve`: the web interface. Returns the exit code once the app has stopped; asked to stop
 * (`listenForStop`), it stops taking requests, lets running ones and a running backup finish —
 * or, when Windows closes it within seconds, gives the backup up — checkpoints and closes the
 * database, logs that it stopped and releases the data folder.
 */
export async function serveCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, SERVE_FLAGS);
  const app = createApp({ flags: settingsFromFlags(values), env: ctx.env, appDir: ctx.appDir, cwd: ctx.cwd });
  const { settings, paths } = app.config;
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
    if (!(error instanceof LockHeldError)) throw error;
    ctx.stderr(
      `Another instance is running (pid ${error.pid ?? "unknown"}) on the data folder ${paths.dataDir}.\n`,
    );
    return EXIT.locked;
  }

  const { log } = app;
  const stopping = listenForStop();
  let hurry = false;
  let server: Server | null = null;
  let services: RunningServices | null = null;
  try {
    const openError = await openDatabase(app, { newDatabase: values["new-database"] === true });
    let answered = () => {};
    const firstAnswer = new Promise<void>((resolve) => {
      answered = resolve;
    });
    server = startServer(createWebApp(app.web), {
      host: settings.host,
      port: settings.port,
      maxUploadMb: settings.max_upload_mb,
      onFirstAnswer: () => answered(),
    });
    if (!isLoopbackHost(settings.host)) {
      log.warning(
        `Listening on ${settings.host}:${settings.port}: the app is reachable from other computers on the network.`,
      );
    }
    log.info(`Application started: open ${consoleUrl(settings.host, settings.port)} in a browser`);
    // Where `business-app status` asks this app for its health (it may not know the port).
    writeFileSync(runningUrlFile(paths), localUrl(settings.host, settings.port), { mode: 0o600 });
    ctx.stdout("To stop BusinessApp, close this window or press Ctrl+C.\n");
    services = startServices(app, openError, { firstAnswer });
    if (shouldOpenBrowser(settings.open_browser, args)) {
      if (!(await openInBrowser(services.startUrl)))
        log.warning("The browser could not be opened: open the address above.");
    }

    const request = await stopping.first;
    log.info(
      request.hurry
        ? `Application stopping (${request.signal}): closing at once; a running backup is given up`
        : `Application stopping (${request.signal}): finishing running requests and backups (Ctrl+C again stops at once)`,
    );
    void stopping.hurried.then(() => {
      hurry = true;
      app.engine.abandon();
      server?.forceStop();
    });
    if (request.hurry) hurry = true;
    app.scheduler.stop();
    await stopServer(server, hurry);
    server = null;
    return EXIT.ok;
  } catch (error) {
    if (error instanceof PortInUseError || isStartRefusal(error)) log.error(error.message);
    else log.error(`Application failed: ${describeError(error)}`);
    return EXIT.failed;
  } finally {
    if (server) server.forceStop();
    if (services) await services.stop({ hurry });
    else await app.engine.idle();
    stopping.dispose();
    log.info("Application stopped");
    rmSync(runningUrlFile(paths), { force: true });
    lock.release();
  }
}

/**
 * "auto" opens the browser only for someone who double-clicked the executable on Windows: no
 * arguments, and a console window of its own (a command prompt shares its window).
 */
function shouldOpenBrowser(setting: boolean | "auto", args: string[]): boolean {
  if (setting !== "auto") return setting;
  return process.platform === "win32" && args.length === 0 && consoleProcessCount() === 1;
}

async function stopServer(server: Server, hurry: boolean): Promise<void> {
  // Wait for requests in flight, but not forever for a client that never finishes.
  const force = setTimeout(() => server.forceStop(), hurry ? 0 : 10_000);
  try {
    await server.stop();
  } finally {
    clearTimeout(force);
  }
}
