/**
 * The HTTP listener as the app sees it, whatever runtime serves it. Each runtime implements
 * `startHttpServer` and `isAddressInUse` in its own folder (`#runtime/http.ts`).
 */

/** What the listener knows of the connection a request came on. */
export interface ConnectionInfo {
  /** The client's IP address, or null when the runtime cannot tell. */
  remoteAddress: string | null;
}

export type HttpHandler = (request: Request, connection: ConnectionInfo) => Response | Promise<Response>;

export interface HttpServerOptions {
  hostname: string;
  port: number;
  fetch: HttpHandler;
  /** A body larger than this is refused by the runtime before the app reads any of it. */
  maxRequestBodySize: number;
}

export interface HttpServer {
  /** The port it listens on (the one the system chose when 0 was asked for). */
  readonly port: number;
  /** Takes no new connections; resolves once the requests in flight have been answered. */
  stop(): Promise<void>;
  /** Closes every connection at once, answered or not. */
  forceStop(): void;
}
