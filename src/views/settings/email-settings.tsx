/** @jsxImportSource hono/jsx */
import type { SettingSource } from "../../config/load.ts";
import { envName, type SettingKey, type Settings } from "../../config/schema.ts";
import { CsrfField, type PageProps } from "../layout/layout.tsx";
import { Field, fixedBy, SwitchField } from "./setting-field.tsx";
import { labelOf } from "./setting-labels.ts";

export interface EmailSettingsProps {
  viewer: PageProps["viewer"];
  settings: Settings;
  sources: Record<SettingKey, SettingSource>;
  /** What "Send a test e-mail" just did, in words. */
  test?: { ok: boolean; message: string } | null;
}

const SECURITY_WORDS = {
  starttls: "STARTTLS (usually port 587)",
  tls: "SSL/TLS (usually port 465)",
  none: "None: not encrypted (usually port 25; only inside your own network)",
} as const;

/**
 * The Settings page's section on e-mail alerts: the shop's mail account, who receives the
 * e-mails, the weekly summary, and a test e-mail. The password is write-only: never put in the page.
 */
export function EmailSettings(props: EmailSettingsProps) {
  const { settings, sources, viewer } = props;
  const field = (name: SettingKey, value: string | number | null) => (
    <Field name={name} label={labelOf(name)} value={value === null ? "" : String(value)} sources={sources} />
  );
  const securityFixed = fixedBy("smtp_security", sources.smtp_security);
  const passwordFixed = fixedBy("smtp_password", sources.smtp_password);
  const passwordSet = settings.smtp_password !== null;
  return (
    <section class="panel" aria-labelledby="email-heading" id="email">
      <h2 id="email-heading">E-mail alerts</h2>
      <p>
        BusinessApp writes an e-mail when something needs attention (a backup failed, the disk is nearly full,
        off-site copies stopped) and again when it is fixed, through your own mail account. Your mail
        provider's help pages list the outgoing (SMTP) server, its port and security.
      </p>
      {/* With JavaScript, the answer replaces only this part (htmx picks it out of the page). */}
      <div id="email-test">
        {props.test ? (
          <p id="email-test-result" class={props.test.ok ? "status-ok" : "status-bad"} role="status">
            {props.test.message}
          </p>
        ) : null}
        <form
          method="post"
          action="/settings/email/test"
          hx-post="/settings/email/test"
          hx-target="#email-test"
          hx-select="#email-test"
          hx-swap="outerHTML"
          hx-disable="find button"
        >
          <CsrfField viewer={viewer} />
          <button type="submit" class="secondary">
            Send a test e-mail
          </button>{" "}
          <span class="muted small when-busy">Sending… this can take up to a minute.</span>
        </form>
      </div>
      <form method="post" action="/settings/email">
        <CsrfField viewer={viewer} />
        <input type="hidden" name="email_form_sent" value="true" />
        <h3>Your mail account</h3>
        {field("smtp_host", settings.smtp_host)}
        <div class="form-row">
          <label for="setting-smtp_security">Security</label>
          <select id="setting-smtp_security" name="smtp_security" disabled={securityFixed !== null}>
            {(["starttls", "tls", "none"] as const).map((value) => (
              <option value={value} selected={settings.smtp_security === value}>
                {SECURITY_WORDS[value]}
              </option>
            ))}
          </select>
          {securityFixed ? <p class="muted small">{securityFixed}</p> : null}
        </div>
        {field("smtp_port", settings.smtp_port)}
        {field("smtp_user", settings.smtp_user)}
        <div class="form-row">
          <label for="setting-smtp_password">Password</label>
          <input
            id="setting-smtp_password"
            name="smtp_password"
            type="password"
            autocomplete="new-password"
            value=""
            disabled={passwordFixed !== null}
            aria-describedby="setting-smtp_password-help"
          />
          <p class="muted small" id="setting-smtp_password-help">
            {passwordFixed ??
              (passwordSet
                ? "A password is saved; it is never shown. Leave this empty to keep it, or type a new one."
                : "Not set. Many providers want an app password here, made in your account's security settings.")}{" "}
            It is kept in the settings file beside BusinessApp (on Windows as private as that folder); or set
            it with the environment variable <code>{envName("smtp_password")}</code>.
          </p>
        </div>
        {field("smtp_tls_ca_file", settings.smtp_tls_ca_file)}
        <h3>Who writes, who reads</h3>
        {field("alert_email_from", settings.alert_email_from)}
        {field("alert_email_to", settings.alert_email_to.join(", "))}
        <SwitchField
          name="alert_email_weekly_summary"
          label={labelOf("alert_email_weekly_summary")}
          checked={settings.alert_email_weekly_summary}
          sources={sources}
        />
        <div class="form-row">
          <button type="submit">Save e-mail settings</button>
        </div>
      </form>
    </section>
  );
}
