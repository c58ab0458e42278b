import { readFileSync, statSync } from "node:fs";
import type { Log } from "../../lib/log.ts";
import { MailError, type MailMessage, type MailServer, sendMail } from "../../lib/smtp.ts";
import { type Clock, formatLogTime } from "../../lib/time.ts";
import type { Timers } from "../../lib/timers.ts";
import type { Alert, AlertId } from "../status.ts";
import type { AlertEvent } from "./alert-webhook.ts";
import { DeliveryQueue } from "./delivery-queue.ts";

/** How long connecting to the mail server, its greeting and each answer may take. */
export const MAIL_TIMEOUT_MS = 15_000;
/** A certificate file to trust is a few kilobytes; anything far larger is not one. */
const MAX_CA_FILE_BYTES = 1024 * 1024;

/** Each alert in a few words, for a subject line. */
export const ALERT_TITLES: Record<AlertId, string> = {
  automatic_backup_failed: "automatic backup failed",
  manual_backup_failed: "a backup made by hand failed",
  backup_folder_unwritable: "the backup folder cannot be written",
  clock_behind: "the PC's clock is behind",
  backup_stale: "no recent backup",
  drill_failed: "restore drill failed",
  drill_overdue: "restore drill overdue",
  low_disk_space: "low disk space",
  disk_full_soon: "the disk will be full soon",
  offsite_failing: "off-site copies are failing",
  offsite_passphrase_missing: "the off-site passphrase is missing",
  continuous_lagging: "continuous protection is behind",
  offsite_drill_failed: "off-site drill failed",
  offsite_drill_overdue: "off-site drill overdue",
  passphrase_unconfirmed: "nobody has typed the off-site passphrase",
};

const titleOf = (id: string) => ALERT_TITLES[id as AlertId] ?? id.replaceAll("_", " ");

/** The mail account and the addresses of e-mail alerts, from the settings; null while not set up. */
export interface EmailOptions {
  server: Omit<MailServer, "ca"> & { caFile: string | null };
  from: string;
  to: string[];
  /** Where the e-mails say BusinessApp is opened. */
  appUrl: string;
}

/** The certificate file to trust, read now (it may have been replaced); bounded in size. */
function readCa(path: string | null): string | null {
  if (path === null) return null;
  try {
    if (statSync(path).size > MAX_CA_FILE_BYTES) throw new Error("too large");
    return readFileSync(path, "utf8");
  } catch {
    throw new MailError("mail.failed", `the certificate file to trust (${path}) cannot be read`, "ca_file");
  }
}

/**
 * Sends each start and end of an alert as a short plain-text e-mail through the shop's own mail
 * account, and the weekly summary. Never blocks the caller: e-mails queue and go out one after
 * the other, each tried again after 5 s, 30 s, 2 min and 10 min (`DeliveryQueue`); every wait on
 * the mail server is bounded (`MAIL_TIMEOUT_MS`). The log names the recipients, never the password.
 */
export class AlertEmail {
  #options: EmailOptions | null;
  readonly #clock: Clock;
  readonly #log: Log;
  readonly #queue: DeliveryQueue;

  constructor(options: {
    options: EmailOptions | null;
    log: Log;
    clock: Clock;
    timers?: Timers;
    retryDelaysMs?: number[];
  }) {
    this.#options = options.options;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#queue = new DeliveryQueue({ what: "Alert e-mail", ...options });
  }

  /** New settings (or none), for the e-mails from now on. */
  configure(options: EmailOptions | null): void {
    this.#options = options;
  }

  get configured(): boolean {
    return this.#options !== null;
  }

  /** Queues the e-mail of one start or end of an alert; does nothing while e-mail is not set up. */
  send(
    event: AlertEvent,
    alert: { id: string; since: string } & Partial<Pick<Alert, "message" | "action">>,
    status: "ok" | "degraded",
  ): void {
    const options = this.#options;
    if (!options) return;
    const title = titleOf(alert.id);
    const since = formatLogTime(new Date(alert.since));
    const lines =
      event === "alert.started"
        ? [
            `BusinessApp needs attention: ${title}.`,
            "",
            `What: ${alert.message ?? title}`,
            `Since: ${since}`,
            `What to do: ${alert.action ?? "Open BusinessApp and look at the Database Backup page."}`,
          ]
        : [
            `Cleared: ${title}.`,
            "",
            `It had needed attention since ${since}; BusinessApp found it fixed at ${formatLogTime(this.#clock())}.`,
            status === "ok"
              ? "Nothing else needs attention now."
              : "Something else still needs attention: see the other e-mails, or open BusinessApp.",
          ];
    this.#push(options, `${event} ${alert.id}`, {
      subject: event === "alert.started" ? `BusinessApp: ${title}` : `BusinessApp: cleared — ${title}`,
      text: lines.join("\n"),
    });
  }

  /** Queues an e-mail (the weekly summary) with the app's address added; nothing while e-mail is not set up. */
  sendNote(label: string, subject: string, lines: string[]): void {
    const options = this.#options;
    if (options) this.#push(options, label, { subject, text: lines.join("\n") });
  }

  /**
   * Sends a test e-mail now, once, and resolves to whom it went. Throws `MailError`:
   * "mail.not_configured" while e-mail alerts are not set up, "mail.failed" with the reason in words.
   */
  async test(): Promise<{ to: string[]; server: string }> {
    const options = this.#options;
    if (!options)
      throw new MailError(
        "mail.not_configured",
        "E-mail alerts are not set up: give the mail server, the sender and who receives them first",
      );
    await sendMail(
      { ...options.server, ca: readCa(options.server.caFile) },
      this.#message(options, {
        subject: "BusinessApp: test e-mail",
        text: [
          "This is a test e-mail from BusinessApp.",
          "",
          "It came through, so BusinessApp can tell you by e-mail when a backup, a restore drill or an",
          "off-site copy needs attention, and when that is fixed again.",
        ].join("\n"),
      }),
    );
    const server = `${options.server.host}:${options.server.port}`;
    this.#log.info(`Test e-mail sent to ${options.to.join(", ")} through ${server}`);
    return { to: options.to, server };
  }

  /** Resolves once every queued e-mail was sent or given up. */
  settled(): Promise<void> {
    return this.#queue.settled();
  }

  #message(options: EmailOptions, content: { subject: string; text: string }): MailMessage {
    return {
      from: options.from,
      to: options.to,
      subject: content.subject,
      text: `${content.text}\n\nOpen BusinessApp: ${options.appUrl}\n`,
    };
  }

  #push(options: EmailOptions, label: string, content: { subject: string; text: string }): void {
    const message = this.#message(options, content);
    this.#queue.push({
      to: options.to.join(", "),
      label,
      attempt: async () => {
        try {
          await sendMail({ ...options.server, ca: readCa(options.server.caFile) }, message);
          return null;
        } catch (error) {
          if (error instanceof MailError) return error.message;
          throw error;
        }
      },
    });
  }
}
