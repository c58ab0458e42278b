import { Cron } from "croner";
import type { DrillResult } from "../../backup/index.ts";
import type { Log } from "../../lib/log.ts";
import { type Clock, formatLogTime } from "../../lib/time.ts";
import { realTimers, type Timers } from "../../lib/timers.ts";
import type { OffsiteStatus } from "../../offsite/status.ts";
import type { Alert } from "../status.ts";
import type { AlertEmail } from "./alert-email.ts";

/** Every Monday at 08:00 on the PC's clock. */
export const SUMMARY_SCHEDULE = "0 8 * * 1";
/** A timer can wait at most about 24 days; a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the weekly summary tells, gathered when it is sent. */
export interface SummaryFacts {
  newestBackup: { name: string; createdAt: string } | null;
  lastDrill: DrillResult | null;
  offsite: OffsiteStatus | null;
  alerts: Alert[];
}

/** The summary's lines: the newest good backup, the last drill, off-site copies, what needs attention. */
export function summaryLines(facts: SummaryFacts): string[] {
  const time = (iso: string) => formatLogTime(new Date(iso));
  const { newestBackup, lastDrill, offsite, alerts } = facts;
  const offsiteLine = !offsite
    ? "Off-site copies: not set up."
    : offsite.failingSince
      ? `Off-site copies: failing since ${time(offsite.failingSince)} (${offsite.lastError ?? "see the Database Backup page"}).`
      : offsite.lastSuccessAt
        ? `Off-site copies: up to date at ${time(offsite.lastSuccessAt)}.`
        : "Off-site copies: none made yet.";
  return [
    alerts.length === 0
      ? "All is well: nothing needs attention."
      : `${alerts.length === 1 ? "1 thing needs" : `${alerts.length} things need`} attention:`,
    ...alerts.map((a) => `- ${a.message} ${a.action}`),
    "",
    newestBackup
      ? `Newest good backup: ${newestBackup.name}, made ${time(newestBackup.createdAt)}.`
      : "Newest good backup: none yet.",
    lastDrill
      ? `Last restore drill: ${lastDrill.ok ? "passed" : `failed (${lastDrill.reason ?? "see the Database Backup page"})`} on ${time(lastDrill.at)}.`
      : "Last restore drill: none yet.",
    offsiteLine,
    "",
    "This summary comes every Monday morning. If it stops coming, BusinessApp may not be running.",
  ];
}

export interface WeeklySummaryDeps {
  email: AlertEmail;
  /** `alert_email_weekly_summary`, read when the summary is due. */
  enabled: () => boolean;
  facts: () => SummaryFacts;
  clock: Clock;
  log: Log;
  timers?: Timers;
}

/**
 * The weekly summary by e-mail (`alert_email_weekly_summary`): every Monday at 08:00 while the
 * app runs, a short status, so that silence is itself a signal. Clock and timers passed in.
 */
export class WeeklySummary {
  readonly #deps: WeeklySummaryDeps;
  #timer: unknown = null;
  #due: Date | null = null;

  constructor(deps: WeeklySummaryDeps) {
    this.#deps = deps;
  }

  /** When the next summary is due (also while it is off: it is checked then). */
  get nextAt(): Date | null {
    return this.#due;
  }

  start(): void {
    this.#plan(this.#deps.clock());
  }

  stop(): void {
    if (this.#timer !== null) (this.#deps.timers ?? realTimers).clear(this.#timer);
    this.#timer = null;
    this.#due = null;
  }

  /** Queues the summary now (when it is on and e-mail is set up). */
  sendNow(): void {
    const { email, enabled, facts, log } = this.#deps;
    if (!enabled() || !email.configured) return;
    const gathered = facts();
    log.info("Weekly summary e-mail queued");
    email.sendNote(
      "weekly summary",
      gathered.alerts.length === 0
        ? "BusinessApp: weekly summary — all is well"
        : "BusinessApp: weekly summary — needs attention",
      summaryLines(gathered),
    );
  }

  #plan(after: Date): void {
    const due = new Cron(SUMMARY_SCHEDULE, { paused: true }).nextRun(after);
    if (!due) return;
    this.#due = due;
    this.#wait();
  }

  #wait(): void {
    const due = this.#due;
    if (!due) return;
    const timers = this.#deps.timers ?? realTimers;
    const left = due.getTime() - this.#deps.clock().getTime();
    this.#timer = timers.set(
      () => {
        const now = this.#deps.clock();
        // Woken early (a long wait in steps, a clock set back): wait on.
        if (now.getTime() < due.getTime()) return this.#wait();
        this.sendNow();
        this.#plan(now);
      },
      Math.min(Math.max(left, 0), MAX_TIMER_MS),
    );
  }
}
