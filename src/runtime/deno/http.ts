import type { HttpServer, HttpServerOptions } from "../http-types.ts";

/**
 * Listens with `Deno.serve`; throws the runtime's error when the port is taken (see
 * `isAddressInUse`). Deno has no body limit of its own, so the runtime's ceiling is kept here:
 * a `Content-Length` over it is refused at once, and a body without one fails as it passes it.
 */
export function startHttpServer(options: HttpServerOptions): HttpServer {
  const abort = new AbortController();
  const limit = options.maxRequestBodySize;
  const server = Deno.serve(
    {
      hostname: options.hostname,
      port: options.port,
      signal: abort.signal,
      // Without it Deno prints its own "Listening on" line; the app says where it listens.
      onListen() {},
    },
    (request, info) => {
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > limit) return new Response(null, { status: 413, headers: { Connection: "close" } });
      const remoteAddress = info.remoteAddr.transport === "tcp" ? info.remoteAddr.hostname : null;
      const limited =
        request.body && !request.headers.has("content-length") ? capBody(request, limit) : request;
      return options.fetch(limited, { remoteAddress });
    },
  );
  let stopping = false;
  let forced: () => void = () => {};
  const forcedStop = new Promise<void>((resolve) => {
    forced = resolve;
  });
  return {
    port: server.addr.port,
    stop() {
      stopping = true;
      return Promise.race([server.shutdown(), forcedStop]);
    },
    forceStop() {
      // Once Deno's graceful shutdown has begun it can no longer cut the connections left (an
      // abort then throws inside Deno): the stop returns now, and they close with the process,
      // which exits right after.
      if (stopping) forced();
      else abort.abort();
    },
  };
}

/** `request` whose body fails once more than `limit` bytes have arrived. */
function capBody(request: Request, limit: number): Request {
  let seen = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) controller.error(new RangeError(`the request body is larger than ${limit} bytes`));
      else controller.enqueue(chunk);
    },
  });
  return new Request(request, {
    body: request.body?.pipeThrough(counter) ?? null,
    duplex: "half",
  } as RequestInit);
}

/** True for the error `startHttpServer` throws when another program listens on the port. */
export function isAddressInUse(error: unknown): boolean {
  return (
    error instanceof Deno.errors.AddrInUse || (error as { code?: unknown } | null)?.code === "EADDRINUSE"
  );
}
