/** @jsxImportSource hono/jsx */
import { createContext, useContext } from "hono/jsx";
import type { Alert } from "../../app/status.ts";
import { Icon } from "./icons.tsx";

/**
 * The alerts of the moment for the page being rendered: the web layer provides them around every
 * page (`respondPage`), so the frame of every signed-in page shows them without each page passing them on.
 */
const AlertsContext = createContext<Alert[]>([]);

/** `page` with the alerts it shows in its banner. */
export function withAlerts(alerts: Alert[], page: unknown) {
  return <AlertsContext.Provider value={alerts}>{page as never}</AlertsContext.Provider>;
}

/** The alerts, each with what to do; nothing when there are none. */
export function AlertList(props: { alerts: Alert[]; id?: string }) {
  if (props.alerts.length === 0) return null;
  return (
    <section class="alerts" id={props.id} role="alert" aria-label="Needs attention">
      {props.alerts.map((alert) => (
        <p class="alert" data-alert={alert.id}>
          <Icon name="alert" />
          <span>
            <strong>{alert.message}</strong> {alert.action}
          </span>
        </p>
      ))}
    </section>
  );
}

/** The alerts but the one a status sentence beside them already says (`covers`). */
export function alertsBeside(alerts: Alert[], covers: string | undefined): Alert[] {
  return covers ? alerts.filter((a) => a.id !== covers) : alerts;
}

/**
 * The banner at the top of every signed-in page, with a way to the page where most of it is put
 * right (not on that page itself); `without` is the alert the page's status sentence already says.
 */
export function AlertsBanner(props: { current?: string | undefined; without?: string | undefined }) {
  const alerts = alertsBeside(useContext(AlertsContext), props.without);
  if (alerts.length === 0) return null;
  return (
    <div class="alert-banner">
      <AlertList alerts={alerts} id="alert-banner" />
      {props.current === BACKUP_PAGE ? null : (
        <p class="small">
          <a href={BACKUP_PAGE}>Open Database Backup</a>
        </p>
      )}
    </div>
  );
}

const BACKUP_PAGE = "/backup/status";
