import type { SettingsChange } from "../config/settings-store.ts";
import { badForm } from "./http-errors.ts";

type Form = Record<string, string | File | (string | File)[]>;

const TEXT_KEYS = [
  "smtp_host",
  "smtp_port",
  "smtp_security",
  "smtp_user",
  "smtp_tls_ca_file",
  "alert_email_from",
  "alert_email_to",
] as const;

/**
 * The change the e-mail form asks for. The page always sends `email_form_sent` and the weekly
 * summary switch (a hidden "false" before the checkbox): a post without them is not from the
 * page. The password is write-only: an empty field keeps the saved one; emptying the user name
 * forgets it too. An empty field means "none" (the port: the usual one).
 */
export function emailChangeOf(form: Form): SettingsChange {
  if (form.email_form_sent === undefined || form.alert_email_weekly_summary === undefined)
    throw badForm("The e-mail form was incomplete; nothing was changed. Reload the page and try again.");
  const values: SettingsChange["values"] = {};
  for (const key of TEXT_KEYS) {
    const raw = form[key];
    if (typeof raw === "string") values[key] = raw.trim();
  }
  const password = form.smtp_password;
  if (typeof password === "string" && password !== "") values.smtp_password = password;
  else if (values.smtp_user === "") values.smtp_password = "";
  const weekly = form.alert_email_weekly_summary;
  values.alert_email_weekly_summary = Array.isArray(weekly) ? weekly.includes("true") : weekly === "true";
  return { values };
}
