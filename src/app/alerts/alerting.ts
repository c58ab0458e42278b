import type { Settings } from "../../config/schema.ts";
import type { Timers } from "../../lib/timers.ts";
import type { OffsiteService } from "../../offsite/service.ts";
import { emailOptions } from "../settings/options.ts";
import { AlertEmail } from "./alert-email.ts";
import { AlertMonitor, type AlertMonitorDeps } from "./alert-monitor.ts";
import { AlertWebhook } from "./alert-webhook.ts";
import { WeeklySummary } from "./weekly-summary.ts";

/** What the alerts are built from: the monitor's sources, the settings at start and as they are now. */
export type AlertingParts = Omit<AlertMonitorDeps, "webhook" | "email" | "timers" | "offsiteStatus"> & {
  /** The settings at start: the webhook's address and the mail account. */
  initial: Settings;
  timers?: Timers | undefined;
  offsite: Pick<OffsiteService, "status">;
};

/**
 * The alerts as the app sends them: the webhook and the e-mail (`alert_webhook_url`, the mail
 * account), the monitor that looks at the app's state every minute and tells both, and the weekly
 * summary by e-mail. Built once by the composition root.
 */
export function createAlerting(parts: AlertingParts) {
  const { initial, timers, offsite, ...sources } = parts;
  const timing = timers ? { timers } : {};
  const { clock, log } = sources;
  const webhook = new AlertWebhook({ url: initial.alert_webhook_url, log, clock, ...timing });
  const email = new AlertEmail({ options: emailOptions(initial), log, clock, ...timing });
  const alerts = new AlertMonitor({
    ...sources,
    webhook,
    email,
    ...timing,
    offsiteStatus: () => offsite.status(),
  });
  const weeklySummary = new WeeklySummary({
    email,
    enabled: () => sources.settings().alert_email_weekly_summary,
    facts: () => ({
      newestBackup: sources.engine.newestGood() ?? null,
      lastDrill: sources.engine.drills.last(),
      offsite: offsite.status(),
      alerts: alerts.current(),
    }),
    clock,
    log,
    ...timing,
  });
  return { webhook, email, alerts, weeklySummary };
}
