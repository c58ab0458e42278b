import { isAbsolute } from "node:path";
import { z } from "zod";
import { hasControlCharacters } from "../lib/text.ts";
import { hostSchema } from "./host-schema.ts";

/**
 * The settings of e-mail alerts, part of the one schema (`schema.ts` spreads them in): the shop's
 * own mail account (server, security, user, password), who sends and who receives, and the weekly
 * summary.
 */

export const SMTP_SECURITY = ["tls", "starttls", "none"] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

/** The port a mail server uses for each kind of security, when `smtp_port` is not set. */
export const DEFAULT_SMTP_PORT: Record<SmtpSecurity, number> = { tls: 465, starttls: 587, none: 25 };

/** A plain address (`shop@example.com`); the app adds the name "BusinessApp" itself. */
const ADDRESS = /^[^\s@<>",;:()[\]\\]{1,64}@[A-Za-z0-9.-]{1,253}$/;
const isAddress = (v: string) => ADDRESS.test(v) && !v.includes("..");

const plainText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !hasControlCharacters(v));

export const EMAIL_FIELDS = {
  smtp_host: hostSchema.nullable().default(null),
  smtp_port: z.number().int().min(1).max(65535).nullable().default(null),
  smtp_security: z.enum(SMTP_SECURITY).default("starttls"),
  smtp_user: plainText(256).nullable().default(null),
  smtp_password: plainText(1024).nullable().default(null),
  smtp_tls_ca_file: z
    .string()
    .trim()
    .refine((v) => isAbsolute(v) && !hasControlCharacters(v))
    .nullable()
    .default(null),
  alert_email_from: z.string().trim().refine(isAddress).nullable().default(null),
  alert_email_to: z.array(z.string().trim().refine(isAddress)).max(20).default([]),
  alert_email_weekly_summary: z.boolean().default(false),
};

type EmailKey = keyof typeof EMAIL_FIELDS;

export const EMAIL_ALLOWED: Record<EmailKey, string> = {
  smtp_host: "the name of your mail provider's outgoing (SMTP) server, such as smtp.example.com",
  smtp_port:
    "a whole number from 1 to 65535; without one, the usual port of the security chosen: 465, 587 or 25",
  smtp_security: '"tls" (port 465), "starttls" (port 587) or "none" (no encryption)',
  smtp_user: "the user name of the mail account, usually its e-mail address",
  smtp_password: "the password of the mail account (often an app password), at most 1024 characters",
  smtp_tls_ca_file:
    "the full path of a PEM file with the certificate a mail server of your own uses, such as C:\\BusinessApp\\mail.pem",
  alert_email_from: "the sender's e-mail address, such as backups@example.com",
  alert_email_to: "one to 20 e-mail addresses, separated by commas",
  alert_email_weekly_summary: "true or false",
};

export const EMAIL_DESCRIPTIONS: Record<EmailKey, string> = {
  smtp_host: "outgoing mail server for e-mail alerts (empty: no e-mail alerts)",
  smtp_port: "port of that mail server (default 465 for tls, 587 for starttls, 25 for none)",
  smtp_security: "how the connection to the mail server is encrypted (default starttls)",
  smtp_user: "user name of the mail account",
  smtp_password: "password of the mail account (never shown)",
  smtp_tls_ca_file: "certificate (PEM file) to trust for a mail server with a certificate of its own",
  alert_email_from: "sender of alert e-mails (default smtp_user when that is an address)",
  alert_email_to: "who receives alert e-mails",
  alert_email_weekly_summary: "send a short status e-mail every Monday morning",
};

type EmailSettings = { [K in EmailKey]: z.infer<(typeof EMAIL_FIELDS)[K]> };

/** The sender of alert e-mails: `alert_email_from`, else the account's user name when it is an address. */
export function emailSender(settings: EmailSettings): string | null {
  if (settings.alert_email_from) return settings.alert_email_from;
  return settings.smtp_user && isAddress(settings.smtp_user) ? settings.smtp_user : null;
}

/** Each e-mail setting as the pages call it; messages about the settings file add the key. */
export const EMAIL_WORDS: Record<EmailKey, string> = {
  smtp_host: "the outgoing mail server",
  smtp_port: "the port",
  smtp_security: "the security",
  smtp_user: "the user name",
  smtp_password: "the password",
  smtp_tls_ca_file: "the certificate file to trust",
  alert_email_from: "the sender's address",
  alert_email_to: "the addresses to send alerts to",
  alert_email_weekly_summary: "the weekly summary",
};

/**
 * Settings that only work together: a mail server needs someone to write to and a sender, and
 * the other way round; a user name needs its password and a password its user name. Returns what
 * is wrong in words (`forPage`: without the settings' keys), or null.
 */
export function emailSettingsProblem(
  settings: EmailSettings,
  options: { forPage?: boolean } = {},
): string | null {
  const name = (key: EmailKey) => {
    if (options.forPage) return EMAIL_WORDS[key];
    return `${EMAIL_WORDS[key]} (${key === "smtp_password" ? "smtp_password or BUSINESS_APP_SMTP_PASSWORD" : key})`;
  };
  const account = (key: EmailKey) => key === "smtp_user" || key === "smtp_password";
  const both = (given: EmailKey, missing: EmailKey) =>
    `${account(given) ? "The mail account needs" : "E-mail alerts need"} ${name(missing)} as well as ${name(given)}.`;
  if (settings.smtp_host === null) {
    if (settings.alert_email_to.length > 0) return both("alert_email_to", "smtp_host");
    return null;
  }
  if (settings.alert_email_to.length === 0) return both("smtp_host", "alert_email_to");
  if (emailSender(settings) === null)
    return `E-mail alerts need ${name("alert_email_from")}, as ${name("smtp_user")} is not an e-mail address.`;
  if (settings.smtp_user !== null && settings.smtp_password === null)
    return both("smtp_user", "smtp_password");
  if (settings.smtp_user === null && settings.smtp_password !== null)
    return both("smtp_password", "smtp_user");
  return null;
}
