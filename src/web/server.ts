import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { isAddressInUse, startHttpServer } from "#runtime/http.ts";
import { AppError } from "../lib/errors.ts";
import type { HttpServer } from "../runtime/http-types.ts";
import { loadAssets } from "./assets.ts";
import type { AppEnv } from "./context.ts";
import type { WebDeps } from "./deps.ts";
import { createErrorHandling } from "./errors.tsx";
import { accessControl } from "./middleware/access.ts";
import { bodyLimits, uploadBodyLimit } from "./middleware/body-limit.ts";
import { clientAddress } from "./middleware/client-address.ts";
import { csrfProtection } from "./middleware/csrf.ts";
import { hostCheck } from "./middleware/host-check.ts";
import { recoveryGate } from "./middleware/recovery-gate.ts";
import { authRoutes } from "./routes/auth/auth.tsx";
import { setupRoutes } from "./routes/auth/setup.tsx";
import { userRoutes } from "./routes/auth/users.tsx";
import { backupActionRoutes } from "./routes/backup/backup-actions.tsx";
import { backupApiRoutes } from "./routes/backup/backup-api.ts";
import { createBackupArea } from "./routes/backup/backup-area.tsx";
import { backupOperations } from "./routes/backup/backup-operations.ts";
import { backupPageRoutes } from "./routes/backup/backup-pages.tsx";
import { logRoutes } from "./routes/backup/log.tsx";
import { lookRoutes } from "./routes/backup/look.tsx";
import { healthRoutes } from "./routes/health.ts";
import { homeRoutes } from "./routes/home.tsx";
import { recoveryRoutes } from "./routes/recovery.tsx";
import { passphraseRoutes } from "./routes/settings/passphrase.tsx";
import { settingsRoutes } from "./routes/settings/settings.tsx";
import { welcomeRoutes } from "./routes/settings/welcome.tsx";
import { staticRoutes } from "./routes/static.ts";

const SECURE_HEADERS = secureHeaders({
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
});

/** The whole web application; `app.request()` drives it in tests without a socket. */
export function createWebApp(deps: WebDeps): Hono<AppEnv> {
  const assets = loadAssets();
  const errors = createErrorHandling({ log: deps.log, assets: assets.urls, recovery: deps.recovery });
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("assets", assets.urls);
    c.set("clock", deps.clock);
    c.set("alerts", () => deps.alerts.current());
    return next();
  });
  app.use(SECURE_HEADERS);
  app.use(hostCheck({ listenHost: deps.listenHost, allowedHosts: deps.allowedHosts }));
  app.use(clientAddress);
  app.use(recoveryGate(deps.recovery));
  // Before anything reads a body.
  app.use(bodyLimits());
  app.use(accessControl({ sessions: deps.auth.sessions, audit: deps.auth.audit }));
  app.use(csrfProtection({ audit: deps.auth.audit }));
  const area = createBackupArea(deps);
  const operations = backupOperations(deps);
  app.route("/", staticRoutes(assets));
  app.route("/", healthRoutes(deps));
  app.route("/", authRoutes(deps));
  app.route("/", setupRoutes(deps));
  app.route("/", homeRoutes(deps));
  app.route("/", userRoutes(deps));
  app.route("/", backupPageRoutes(deps, area));
  app.route("/", backupActionRoutes(deps, area, operations));
  app.route("/", backupApiRoutes(deps, operations));
  app.route("/", lookRoutes(deps));
  app.route("/", recoveryRoutes(deps));
  app.route("/", settingsRoutes(deps));
  app.route("/", passphraseRoutes(deps));
  app.route("/", welcomeRoutes(deps));
  app.route("/", logRoutes(deps));
  app.notFound(errors.notFound);
  app.onError(errors.onError);
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

export type Server = HttpServer;

/**
 * Starts listening; throws `PortInUseError` when the port is taken. The app's own limits answer
 * every too-large body with a message; the runtime's ceiling, twice the largest upload, is the
 * backstop: an upload somewhat over `max_upload_mb` still gets the app's message, anything far
 * larger a bare 413.
 */
export function startServer(
  app: Hono<AppEnv>,
  options: { host: string; port: number; maxUploadMb: number; onFirstAnswer?: () => void },
): HttpServer {
  let first = options.onFirstAnswer;
  try {
    return startHttpServer({
      hostname: options.host,
      port: options.port,
      maxRequestBodySize: 2 * uploadBodyLimit(options.maxUploadMb),
      fetch: (request, connection) => {
        const answer = app.fetch(request, connection);
        if (first) {
          const tell = first;
          first = undefined;
          void Promise.resolve(answer).then(tell, tell);
        }
        return answer;
      },
    });
  } catch (error) {
    if (isAddressInUse(error)) throw new PortInUseError(options.host, options.port);
    throw error;
  }
}
