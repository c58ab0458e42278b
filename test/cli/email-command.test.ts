import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dataPaths, runCli, tempDir } from "../helpers.ts";
import { SHOP_MAIL, startShopMailServer } from "../mail/mail-server.ts";

/**
 * `business-app email test` sends a test e-mail with the settings as the app would: through a real
 * SMTP server with STARTTLS, AUTH and a certificate of its own, the password from the environment.
 */
const PASSWORD = SHOP_MAIL.password;
const server = await startShopMailServer();
const { cert } = server;
afterAll(() => server.stop());

const settingsEnv = (password: string) => ({
  BUSINESS_APP_SMTP_HOST: "127.0.0.1",
  BUSINESS_APP_SMTP_PORT: String(server.port),
  BUSINESS_APP_SMTP_USER: "shop@example.com",
  BUSINESS_APP_SMTP_PASSWORD: password,
  BUSINESS_APP_SMTP_TLS_CA_FILE: cert.certFile,
  BUSINESS_APP_ALERT_EMAIL_TO: "owner@example.com",
});

describe("email test", () => {
  test("sent: exit 0, the e-mail arrives encrypted, and neither the output nor the log has the password", async () => {
    const dir = tempDir("business-app-email-cli-");
    const before = server.mails.length;
    const result = await runCli(["email", "test", "--data-dir", dir], { env: settingsEnv(PASSWORD) });
    expect(result).toMatchObject({
      exitCode: 0,
      stdout: `Test e-mail sent to owner@example.com through 127.0.0.1:${server.port}.\n`,
    });
    const [mail] = (await server.waitFor(before + 1)).slice(before);
    expect(mail).toMatchObject({
      subject: "BusinessApp: test e-mail",
      secure: true,
      user: "shop@example.com",
    });
    const log = readFileSync(dataPaths(dir).log, "utf8");
    expect(log).toContain("INFO - Test e-mail sent to owner@example.com");
    expect(`${result.stdout}${result.stderr}${log}`).not.toContain(PASSWORD);
  });

  test("a wrong password: exit 1 and the reason in words; --json says the same", async () => {
    const dir = tempDir("business-app-email-cli-");
    const before = server.mails.length;
    const result = await runCli(["email", "test", "--data-dir", dir], {
      env: settingsEnv("not the password"),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      "The test e-mail was not sent: the mail server refused the user name or password.\n",
    );
    const json = await runCli(["email", "test", "--json", "--data-dir", dir], {
      env: settingsEnv("not the password"),
    });
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      sent: false,
      code: "mail.failed",
      reason: "auth",
      message: "the mail server refused the user name or password",
    });
    expect(`${result.stderr}${json.stdout}`).not.toContain("not the password");
    expect(server.mails.length).toBe(before);
  });

  test("not set up: exit 2 with what to set; a mail server without anyone to write to is a bad setting", async () => {
    const dir = tempDir("business-app-email-cli-");
    const none = await runCli(["email", "test", "--data-dir", dir]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toStartWith("E-mail alerts are not set up");
    const half = await runCli(["email", "test", "--data-dir", dir], {
      env: { BUSINESS_APP_SMTP_HOST: "mail.example.com" },
    });
    expect(half.exitCode).toBe(2);
    expect(half.stderr).toBe(
      "E-mail alerts need the addresses to send alerts to (alert_email_to) as well as the outgoing mail server (smtp_host).\n",
    );
  });
});
