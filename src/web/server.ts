import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { Auth } from "../auth/auth.ts";
import type { BackupEngine } from "../backup/engine.ts";
import type { RecoveryState } from "../backup/recovery.ts";
import type { DataPaths } from "../config/paths.ts";
import type { SettingsStore } from "../config/settings-store.ts";
import type { DatabaseHandle } from "../db/handle.ts";
import { AppError } from "../lib/errors.ts";
import type { Log } from "../lib/log.ts";
import type { BackupScheduler } from "../scheduler/scheduler.ts";
import type { AppEnv } from "./context.ts";
import { createErrorHandler, notFound } from "./errors.tsx";
import { accessControl } from "./middleware/access.ts";
import { bodyLimits, uploadBodyLimit } from "./middleware/body-limit.ts";
import { clientAddress } from "./middleware/client-address.ts";
import { csrfProtection } from "./middleware/csrf.ts";
import { hostCheck } from "./middleware/host-check.ts";
import { recoveryGate } from "./middleware/recovery-gate.ts";
import { authRoutes } from "./routes/auth.tsx";
import { backupApiRoutes } from "./routes/backup-api.ts";
import { backupRoutes } from "./routes/backups.tsx";
import { healthRoutes } from "./routes/health.ts";
import { homeRoutes } from "./routes/home.tsx";
import { recoveryRoutes } from "./routes/recovery.tsx";
import { settingsRoutes } from "./routes/settings.tsx";
import { staticRoutes } from "./routes/static.ts";
import { userRoutes } from "./routes/users.tsx";

export interface AppDeps {
  db: DatabaseHandle;
  paths: DataPaths;
  log: Log;
  version: string;
  engine: BackupEngine;
  scheduler: BackupScheduler;
  recovery: RecoveryState;
  auth: Auth;
  settings: SettingsStore;
  /** The address the server listens on and the extra names it answers to (DNS-rebinding check). */
  listenHost: string;
  allowedHosts: string[];
}

/** The whole web application; `app.request()` drives it in tests without a socket. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      // `no-referrer` would make browsers send `Origin: null` on same-origin posts.
      referrerPolicy: "strict-origin-when-cross-origin",
      // Served over plain http on this machine; HSTS would only confuse browsers about localhost.
      strictTransportSecurity: false,
    }),
  );
  app.use(hostCheck({ listenHost: deps.listenHost, allowedHosts: deps.allowedHosts }));
  app.use(clientAddress);
  app.use(recoveryGate(deps.recovery));
  // Before anything reads a body; after clientAddress, as a counted body replaces the request,
  // whose socket Bun no longer knows.
  app.use(bodyLimits());
  app.use(accessControl({ sessions: deps.auth.sessions, audit: deps.auth.audit }));
  app.use(csrfProtection({ audit: deps.auth.audit }));
  app.route("/", staticRoutes());
  app.route("/", healthRoutes(deps));
  app.route("/", authRoutes(deps));
  app.route("/", homeRoutes(deps));
  app.route("/", userRoutes(deps));
  app.route("/", backupRoutes(deps));
  app.route("/", backupApiRoutes(deps));
  app.route("/", recoveryRoutes(deps));
  app.route("/", settingsRoutes(deps));
  app.notFound(notFound);
  app.onError(createErrorHandler(deps.log));
  return app;
}

export class PortInUseError extends AppError {
  constructor(host: string, port: number) {
    super(
      "server.port_in_use",
      `Port ${port} on ${host} is already in use by another program. Start with --port and a free port, such as --port ${port === 65535 ? 5001 : port + 1}.`,
    );
  }
}

export type Server = ReturnType<typeof Bun.serve>;

/**
 * Starts listening; throws `PortInUseError` when the port is taken. The app's own limits answer
 * every too-large body with a message; Bun's ceiling, twice the largest upload, is the backstop:
 * an upload somewhat over `max_upload_mb` still gets the app's message, anything far larger a bare 413.
 */
export function startServer(
  app: Hono<AppEnv>,
  options: { host: string; port: number; maxUploadMb: number },
): Server {
  try {
    return Bun.serve({
      fetch: app.fetch,
      hostname: options.host,
      port: options.port,
      development: false,
      // Bun shares a port between processes unless told not to; a second app must fail instead.
      reusePort: false,
      maxRequestBodySize: 2 * uploadBodyLimit(options.maxUploadMb),
    });
  } catch (error) {
    if ((error as { code?: string }).code === "EADDRINUSE")
      throw new PortInUseError(options.host, options.port);
    throw error;
  }
}
