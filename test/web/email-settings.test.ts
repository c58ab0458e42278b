import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { freePort } from "../helpers.ts";
import { SHOP_MAIL, startMailServer, startShopMailServer } from "../mail/mail-server.ts";
import { form, makeWebApp } from "./app-fixture.ts";

const PASSWORD = SHOP_MAIL.password;
const starttls = await startShopMailServer();
const { cert } = starttls;
const plain = await startMailServer({ security: "none", user: "shop@example.com", password: PASSWORD });
afterAll(() => Promise.all([starttls.stop(), plain.stop()]));

type Web = ReturnType<typeof makeWebApp>;
type Boss = Awaited<ReturnType<Web["as"]>>;

/** The e-mail form as the page sends it: every field, the password only when typed. */
function emailForm(boss: Boss, fields: Record<string, string>) {
  return form({
    _csrf: boss.csrfToken,
    email_form_sent: "true",
    smtp_host: "127.0.0.1",
    smtp_security: "starttls",
    smtp_port: String(starttls.port),
    smtp_user: "shop@example.com",
    smtp_password: "",
    smtp_tls_ca_file: cert.certFile,
    alert_email_from: "",
    alert_email_to: "owner@example.com, partner@example.com",
    alert_email_weekly_summary: "false",
    ...fields,
  });
}

async function save(web: Web, boss: Boss, fields: Record<string, string>) {
  return web.request("/settings/email", { method: "POST", cookie: boss.token, ...emailForm(boss, fields) });
}

async function testButton(web: Web, boss: Boss): Promise<string> {
  const res = await web.request("/settings/email/test", {
    method: "POST",
    cookie: boss.token,
    ...form({ _csrf: boss.csrfToken }),
  });
  expect(res.status).toBe(200);
  return res.text();
}

/** The text of an element of the page, its apostrophes as written. */
const asWritten = (html: string | undefined) => html?.replaceAll("&#39;", "'") ?? null;
const noticeOf = (page: string) =>
  asWritten(/<p class="notice notice-error"[^>]*>([^<]*)<\/p>/.exec(page)?.[1]);
const resultOf = (page: string) => asWritten(/<p id="email-test-result"[^>]*>([^<]*)<\/p>/.exec(page)?.[1]);

describe("e-mail alerts on the Settings page", () => {
  test("saved from the page with a write-only password into an owner-only file; the test e-mail arrives; the password is on no page, answer or log line", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const before = await (await web.request("/settings", { cookie: boss.token })).text();
    expect(before).toContain('<h2 id="email-heading">E-mail alerts</h2>');
    expect(resultOf(await testButton(web, boss))).toBe(
      "E-mail alerts are not set up yet: fill in the mail server, the addresses and save first.",
    );
    expect(
      (await save(web, boss, { smtp_password: PASSWORD, alert_email_weekly_summary: "true" })).status,
    ).toBe(303);
    const configFile = web.built.settings.current.configFile;
    expect(JSON.parse(readFileSync(configFile, "utf8"))).toMatchObject({
      smtp_host: "127.0.0.1",
      smtp_password: PASSWORD,
      alert_email_to: ["owner@example.com", "partner@example.com"],
      alert_email_weekly_summary: true,
    });
    if (process.platform !== "win32") expect(statSync(configFile).mode & 0o777).toBe(0o600);
    // An empty password field keeps the saved password.
    expect((await save(web, boss, {})).status).toBe(303);
    expect(JSON.parse(readFileSync(configFile, "utf8")).smtp_password).toBe(PASSWORD);
    const count = starttls.mails.length;
    const tested = await testButton(web, boss);
    expect(resultOf(tested)).toBe(
      "Test e-mail sent to owner@example.com, partner@example.com. Look in that inbox (and its spam folder).",
    );
    const [mail] = (await starttls.waitFor(count + 1)).slice(count);
    expect(mail).toMatchObject({
      subject: "BusinessApp: test e-mail",
      secure: true,
      from: "shop@example.com",
    });
    const settingsPage = await (await web.request("/settings", { cookie: boss.token })).text();
    expect(settingsPage).toContain("A password is saved; it is never shown.");
    const api = await (await web.request("/api/status", { cookie: boss.token })).text();
    for (const text of [settingsPage, tested, api, readFileSync(web.paths.log, "utf8")])
      expect(text).not.toContain(PASSWORD);
    // Emptying the user name forgets the password too.
    expect((await save(web, boss, { smtp_user: "", alert_email_from: "shop@example.com" })).status).toBe(303);
    expect(JSON.parse(readFileSync(configFile, "utf8"))).toMatchObject({
      smtp_user: null,
      smtp_password: null,
    });
  });

  test("the test button says in words what went wrong: password, unreachable, untrusted certificate, no STARTTLS", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const closed = freePort();
    const cases: [Record<string, string>, string][] = [
      [
        { smtp_password: "not the password" },
        "The test e-mail was not sent: The mail server refused the user name or password. Many providers want an app password here, made in the account's security settings.",
      ],
      [
        { smtp_password: PASSWORD, smtp_port: String(closed) },
        `The test e-mail was not sent: Could not reach 127.0.0.1:${closed}.`,
      ],
      [
        { smtp_tls_ca_file: "" },
        "The test e-mail was not sent: The certificate of 127.0.0.1 is not trusted. If the mail server is your own, save its certificate as a file on this PC and give it as the certificate file to trust.",
      ],
      [
        { smtp_port: String(plain.port) },
        `The test e-mail was not sent: The mail server 127.0.0.1:${plain.port} does not offer STARTTLS (encryption). Choose SSL/TLS (usually port 465) if your provider offers it.`,
      ],
    ];
    for (const [fields, words] of cases) {
      expect((await save(web, boss, fields)).status).toBe(303);
      const page = await testButton(web, boss);
      expect(resultOf(page)).toBe(words);
      expect(page).not.toContain(PASSWORD);
    }
    expect(plain.mails).toEqual([]);
  });

  test("settings that do not work together are refused in words, and nothing is saved", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const res = await save(web, boss, { alert_email_to: "" });
    expect(res.status).toBe(400);
    const missing = await res.text();
    expect(noticeOf(missing)).toBe(
      "E-mail alerts need the addresses to send alerts to as well as the outgoing mail server.",
    );
    const bad = await save(web, boss, {
      smtp_password: PASSWORD,
      alert_email_to: "owner@example.com, not an address",
    });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(noticeOf(text)).toBe(
      "The addresses to send alerts to cannot be used. Allowed: one to 20 e-mail addresses, separated by commas.",
    );
    const noPassword = await save(web, boss, {});
    expect(await noPassword.text()).toContain(
      "The mail account needs the password as well as the user name.",
    );
    // The page names no setting's key, and repeats no password.
    for (const page of [missing, text]) expect(noticeOf(page)).not.toMatch(/alert_email|smtp_/);
    expect(text).not.toContain(PASSWORD);
    expect(web.built.settings.current.settings.smtp_host).toBeNull();
  });
});
