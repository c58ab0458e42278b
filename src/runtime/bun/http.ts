import type { HttpServer, HttpServerOptions } from "../http-types.ts";

/** Listens with `Bun.serve`; throws the runtime's error when the port is taken (see `isAddressInUse`). */
export function startHttpServer(options: HttpServerOptions): HttpServer {
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    development: false,
    // Bun shares a port between processes unless told not to; a second app must fail instead.
    reusePort: false,
    maxRequestBodySize: options.maxRequestBodySize,
    // Bun closes a connection that stays silent for 10 s; a restore or a full check answers only
    // when it is done, which takes longer for a large database or a file another program holds.
    idleTimeout: 255,
    fetch: (request, bun) =>
      options.fetch(request, { remoteAddress: bun.requestIP(request)?.address ?? null }),
  });
  return {
    port: server.port ?? options.port,
    stop: () => server.stop(),
    forceStop: () => void server.stop(true),
  };
}

/** True for the error `startHttpServer` throws when another program listens on the port. */
export function isAddressInUse(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "EADDRINUSE";
}
