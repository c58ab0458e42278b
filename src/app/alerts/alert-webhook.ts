import { describeError } from "../../lib/errors.ts";
import type { Log } from "../../lib/log.ts";
import type { Clock } from "../../lib/time.ts";
import type { Timers } from "../../lib/timers.ts";
import type { Alert } from "../status.ts";
import { DeliveryQueue } from "./delivery-queue.ts";

/** How long one try may take. */
const TRY_TIMEOUT_MS = 10_000;

export type AlertEvent = "alert.started" | "alert.cleared";

/**
 * The address as the log shows it: the scheme and host only. Webhook services put their secret
 * in the user name, the password, the query or the path (`/services/T0/B0/secret-token`), so none of
 * those is ever written: `https://hooks.example.com/…`.
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const rest = parsed.pathname !== "/" || parsed.search || parsed.username ? "/…" : "/";
    return `${parsed.protocol}//${parsed.host}${rest}`;
  } catch {
    return "(an address that cannot be read)";
  }
}

/**
 * The address without its user name and password, which go into a Basic `Authorization` header
 * instead (as every runtime's fetch takes it).
 */
function requestOf(url: string): { target: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  const headers: Record<string, string> = { "Content-Type": "application/json", "User-Agent": "BusinessApp" };
  if (parsed.username || parsed.password) {
    const user = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    headers.Authorization = `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(user)))}`;
    parsed.username = "";
    parsed.password = "";
  }
  return { target: parsed.toString(), headers };
}

/**
 * Sends each start and end of an alert to `alert_webhook_url` as a JSON POST: `{event, alert,
 * status, app, at}`. Never blocks the caller: notifications queue and go out one after the
 * other; a refusal (not 2xx) or a network error is tried again after 5 s, 30 s, 2 min and 10
 * min, then given up with a WARNING (`DeliveryQueue`). The log names the receiver by its host
 * only (`maskUrl`).
 */
export class AlertWebhook {
  #url: string | null;
  readonly #clock: Clock;
  readonly #queue: DeliveryQueue;

  constructor(options: {
    url: string | null;
    log: Log;
    clock: Clock;
    timers?: Timers;
    retryDelaysMs?: number[];
  }) {
    this.#url = options.url;
    this.#clock = options.clock;
    this.#queue = new DeliveryQueue({ what: "Alert notification", ...options });
  }

  /** A new address (or none) from the settings, for the notifications from now on. */
  setUrl(url: string | null): void {
    this.#url = url;
  }

  /** Queues one notification; does nothing without an address. */
  send(
    event: AlertEvent,
    alert: { id: string; since: string } & Partial<Pick<Alert, "message" | "action">>,
    status: "ok" | "degraded",
  ): void {
    const url = this.#url;
    if (!url) return;
    const body = JSON.stringify({
      event,
      alert,
      status,
      app: "BusinessApp",
      at: this.#clock().toISOString(),
    });
    const shown = maskUrl(url);
    const { target, headers } = requestOf(url);
    this.#queue.push({
      to: shown,
      label: `${event} ${alert.id}`,
      attempt: async () => {
        try {
          const res = await fetch(target, {
            method: "POST",
            headers,
            body,
            signal: AbortSignal.timeout(TRY_TIMEOUT_MS),
          });
          await res.body?.cancel();
          return res.ok ? null : `HTTP ${res.status}`;
        } catch (error) {
          // A network error names no secret of the address, but it may repeat the address: keep the reason only.
          return describeError(error).replaceAll(url, shown).replaceAll(target, shown);
        }
      },
    });
  }

  /** Resolves once every queued notification was delivered or given up. */
  settled(): Promise<void> {
    return this.#queue.settled();
  }
}
