import { coerce } from "../../config/coerce.ts";
import { EMAIL_FIELDS, EMAIL_WORDS, emailSettingsProblem } from "../../config/email-settings.ts";
import { SETTING_ALLOWED, type Settings } from "../../config/schema.ts";
import type { SettingsChange } from "../../config/settings-store.ts";
import { badForm } from "../http-errors.ts";

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

/**
 * Why the e-mail form's change cannot be saved, in the page's words (no settings' keys; a value
 * is never repeated, a password least of all), or null when the settings' own check has the
 * reason. Asked once a save was refused.
 */
export function emailFormProblem(change: SettingsChange, current: Settings): string | null {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(change.values)) {
    if (!(key in EMAIL_FIELDS) || value === undefined) continue;
    const field = EMAIL_FIELDS[key as keyof typeof EMAIL_FIELDS];
    const parsed = field.safeParse(coerce(key as keyof typeof EMAIL_FIELDS, value));
    if (!parsed.success) {
      const words = EMAIL_WORDS[key as keyof typeof EMAIL_FIELDS];
      return `${words.charAt(0).toUpperCase()}${words.slice(1)} cannot be used. Allowed: ${SETTING_ALLOWED[key as keyof typeof EMAIL_FIELDS]}.`;
    }
    next[key] = parsed.data;
  }
  return emailSettingsProblem(next as Settings, { forPage: true });
}
