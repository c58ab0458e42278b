import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { AlertEmail, type EmailOptions } from "../../src/app/alerts/alert-email.ts";
import { summaryLines, WeeklySummary } from "../../src/app/alerts/weekly-summary.ts";
import { createApp } from "../../src/app.ts";
import { createLog } from "../../src/lib/log.ts";
import { MailError } from "../../src/lib/smtp.ts";
import { manualClock } from "../backup/fixtures.ts";
import { dataPaths, freePort, tempDir } from "../helpers.ts";
import { SHOP_MAIL, startMailServer, startShopMailServer } from "../mail/mail-server.ts";
import { fakeTimers } from "../scheduler/fake-timers.ts";

const PASSWORD = SHOP_MAIL.password;
const starttls = await startShopMailServer();
const { cert } = starttls;
const implicit = await startMailServer({
  security: "tls",
  cert,
  user: "shop@example.com",
  password: PASSWORD,
});
const plain = await startMailServer({ security: "none", user: "shop@example.com", password: PASSWORD });
afterAll(() => Promise.all([starttls.stop(), implicit.stop(), plain.stop()]));

function mailer(
  server: Partial<EmailOptions["server"]> & { port: number },
  extra: { retryDelaysMs?: number[] } = {},
) {
  const dir = tempDir("business-app-mail-");
  const lines: string[] = [];
  const log = createLog({
    path: dataPaths(dir).log,
    clock: () => new Date(),
    echo: (_, line) => lines.push(line),
  });
  const email = new AlertEmail({
    options: {
      server: {
        host: "127.0.0.1",
        security: "starttls",
        user: "shop@example.com",
        password: PASSWORD,
        caFile: cert.certFile,
        timeoutMs: 5_000,
        ...server,
      },
      from: "shop@example.com",
      to: ["owner@example.com"],
      appUrl: "http://localhost:5000",
    },
    log,
    clock: () => new Date(),
    retryDelaysMs: extra.retryDelaysMs ?? [],
  });
  return { email, lines };
}

async function failureOf(email: AlertEmail): Promise<MailError> {
  try {
    await email.test();
  } catch (error) {
    if (error instanceof MailError) return error;
    throw error;
  }
  throw new Error("expected the test e-mail to fail");
}

describe("alerts by e-mail, through a real SMTP server", () => {
  test("an alert's start and its clearing each arrive as a short e-mail over STARTTLS with AUTH; the log never has the password", async () => {
    const dataDir = tempDir("business-app-email-");
    const clock = manualClock(new Date(2025, 8, 22, 9, 0, 0));
    let free = 10 * 1024 ** 3;
    const app = createApp(
      {
        flags: { data_dir: dataDir },
        env: {
          BUSINESS_APP_SMTP_HOST: "127.0.0.1",
          BUSINESS_APP_SMTP_PORT: String(starttls.port),
          BUSINESS_APP_SMTP_USER: "shop@example.com",
          BUSINESS_APP_SMTP_PASSWORD: PASSWORD,
          BUSINESS_APP_SMTP_TLS_CA_FILE: cert.certFile,
          BUSINESS_APP_ALERT_EMAIL_TO: "owner@example.com, partner@example.com",
        },
        appDir: dataDir,
        cwd: dataDir,
      },
      { clock, echo: null, freeSpace: () => free },
    );
    app.db.open();
    await app.engine.createBackup({ kind: "manual" });
    const before = starttls.mails.length;
    expect(app.alerts.refresh()).toEqual([]);
    free = 1024;
    clock.advance(60_000);
    expect(app.alerts.refresh().map((a) => a.id)).toEqual(["low_disk_space"]);
    await app.alerts.settled();
    const [started] = (await starttls.waitFor(before + 1)).slice(before);
    expect(started).toMatchObject({
      from: "shop@example.com",
      to: ["owner@example.com", "partner@example.com"],
      user: "shop@example.com",
      secure: true,
      subject: "BusinessApp: low disk space",
    });
    expect(started?.text).toContain("BusinessApp needs attention: low disk space.");
    expect(started?.text).toContain("What: Only 1.0 KB");
    expect(started?.text).toContain("Since: 2025-09-22 09:01:00");
    expect(started?.text).toContain("What to do: ");
    expect(started?.text).toContain("Open BusinessApp: http://localhost:5000");
    free = 10 * 1024 ** 3;
    clock.advance(60_000);
    expect(app.alerts.refresh()).toEqual([]);
    await app.alerts.settled();
    const [cleared] = (await starttls.waitFor(before + 2)).slice(before + 1);
    expect(cleared?.subject).toBe("BusinessApp: cleared — low disk space");
    expect(cleared?.text).toContain("It had needed attention since 2025-09-22 09:01:00");
    expect(cleared?.text).toContain("Nothing else needs attention now.");
    const log = readFileSync(app.paths.log, "utf8");
    expect(log).toContain(
      "INFO - Alert e-mail sent to owner@example.com, partner@example.com: alert.started low_disk_space",
    );
    expect(log).toContain("alert.cleared low_disk_space");
    expect(log).not.toContain(PASSWORD);
    expect(starttls.mails.length).toBe(before + 2);
  });

  test("the test e-mail: sent over STARTTLS, implicit TLS and no encryption", async () => {
    for (const [server, security] of [
      [starttls, "starttls"],
      [implicit, "tls"],
      [plain, "none"],
    ] as const) {
      const before = server.mails.length;
      const { email } = mailer({ port: server.port, security });
      expect(await email.test()).toEqual({ to: ["owner@example.com"], server: `127.0.0.1:${server.port}` });
      const [mail] = (await server.waitFor(before + 1)).slice(before);
      expect(mail).toMatchObject({ subject: "BusinessApp: test e-mail", secure: security !== "none" });
      expect(mail?.text).toContain("This is a test e-mail from BusinessApp.");
    }
  });

  test("each failure of the test e-mail in words: wrong password, nobody listening, untrusted certificate, no STARTTLS, wrong security", async () => {
    const cases: [Parameters<typeof mailer>[0], string, string][] = [
      [
        { port: starttls.port, password: "wrong password" },
        "auth",
        "the mail server refused the user name or password",
      ],
      [
        { port: implicit.port, security: "tls", password: "wrong" },
        "auth",
        "the mail server refused the user name or password",
      ],
      [{ port: starttls.port, caFile: null }, "certificate", "the certificate of 127.0.0.1 is not trusted"],
      [
        { port: implicit.port, security: "tls", caFile: null },
        "certificate",
        "the certificate of 127.0.0.1 is not trusted",
      ],
      [
        { port: plain.port, security: "starttls" },
        "no_starttls",
        `the mail server 127.0.0.1:${plain.port} does not offer STARTTLS (encryption)`,
      ],
      [
        { port: plain.port, security: "tls" },
        "tls",
        `an encrypted connection to 127.0.0.1:${plain.port} could not be made`,
      ],
      [
        { port: starttls.port, caFile: "/no/such/mail.pem" },
        "ca_file",
        "the certificate file to trust (/no/such/mail.pem) cannot be read",
      ],
    ];
    const closed = freePort();
    cases.push([{ port: closed }, "unreachable", `could not reach 127.0.0.1:${closed}`]);
    for (const [server, failure, words] of cases) {
      const before = [starttls, implicit, plain].map((s) => s.mails.length);
      const error = await failureOf(mailer(server).email);
      expect({ failure: error.failure, code: error.code }).toEqual({
        failure: failure as never,
        code: "mail.failed",
      });
      expect(error.message).toStartWith(words);
      expect(error.message).not.toContain(PASSWORD);
      // Nothing went out, and above all not the mail in plain text after a refused STARTTLS.
      expect([starttls, implicit, plain].map((s) => s.mails.length)).toEqual(before);
    }
  });

  test("a server that never greets: given up within the bounded wait, in words", async () => {
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const error = await failureOf(mailer({ port: silent.port, timeoutMs: 500 }).email);
      expect(error.failure).toBe("timeout");
      expect(error.message).toBe(`could not reach 127.0.0.1:${silent.port} within 1 s`);
    } finally {
      silent.stop(true);
    }
  });

  test("an alert e-mail that cannot go out is tried again, then given up with a WARNING naming the reason, never the password", async () => {
    const { email, lines } = mailer(
      { port: starttls.port, password: "wrong password" },
      { retryDelaysMs: [1] },
    );
    email.send(
      "alert.started",
      { id: "low_disk_space", since: new Date().toISOString(), message: "m", action: "a" },
      "degraded",
    );
    await email.settled();
    expect(lines.filter((l) => l.includes("WARNING"))).toEqual([
      expect.stringContaining(
        "WARNING - Alert e-mail to owner@example.com failed (the mail server refused the user name or password); it is tried again in 0 s",
      ),
      expect.stringContaining(
        "WARNING - Alert e-mail to owner@example.com failed (the mail server refused the user name or password); alert.started low_disk_space was not delivered",
      ),
    ]);
    expect(lines.join("\n")).not.toContain("wrong password");
  });

  test("the weekly summary: due Monday 08:00, sent only when switched on, the status in a few lines", async () => {
    // Saturday 2025-09-20 12:00: the next summary is Monday the 22nd at 08:00.
    const clock = manualClock(new Date(2025, 8, 20, 12, 0, 0));
    const timers = fakeTimers(clock);
    const { email } = mailer({ port: starttls.port });
    let enabled = false;
    const summary = new WeeklySummary({
      email,
      enabled: () => enabled,
      facts: () => ({
        newestBackup: {
          name: "backup_20250921_180000.db",
          createdAt: new Date(2025, 8, 21, 18).toISOString(),
        },
        lastDrill: {
          at: new Date(2025, 8, 19, 3).toISOString(),
          ok: true,
          reason: null,
          backup: "x",
          durationMs: 5,
          tables: 3,
          rows: 9,
        },
        offsite: null,
        alerts: [],
      }),
      clock,
      log: createLog({ path: dataPaths(tempDir()).log, clock, echo: null }),
      timers,
    });
    summary.start();
    expect(summary.nextAt).toEqual(new Date(2025, 8, 22, 8, 0, 0));
    const before = starttls.mails.length;
    await timers.advance(2 * 24 * 3600_000); // Monday 12:00: switched off, nothing sent.
    await email.settled();
    expect(starttls.mails.length).toBe(before);
    expect(summary.nextAt).toEqual(new Date(2025, 8, 29, 8, 0, 0));
    enabled = true;
    await timers.advance(7 * 24 * 3600_000);
    await email.settled();
    const [mail] = (await starttls.waitFor(before + 1)).slice(before);
    expect(mail?.subject).toBe("BusinessApp: weekly summary — all is well");
    expect(mail?.text).toContain("All is well: nothing needs attention.");
    expect(mail?.text).toContain("Newest good backup: backup_20250921_180000.db, made 2025-09-21 18:00:00.");
    expect(mail?.text).toContain("Last restore drill: passed on 2025-09-19 03:00:00.");
    expect(mail?.text).toContain("Off-site copies: not set up.");
    expect(summary.nextAt).toEqual(new Date(2025, 9, 6, 8, 0, 0));
    summary.stop();
    expect(timers.armed).toBe(false);
  });

  test("the summary's lines when something needs attention", () => {
    const lines = summaryLines({
      newestBackup: null,
      lastDrill: {
        at: new Date(2025, 8, 19, 3).toISOString(),
        ok: false,
        reason: "the file is damaged",
        backup: null,
        durationMs: 1,
        tables: 0,
        rows: 0,
      },
      offsite: {
        lastSuccessAt: null,
        failingSince: new Date(2025, 8, 18, 6).toISOString(),
        lastError: "access denied (S3)",
        encrypted: false,
        running: false,
        retryAt: null,
        failedRuns: 2,
        copiesMade: 0,
        targets: [],
      },
      alerts: [
        { id: "drill_failed", since: "", message: "The restore drill failed.", action: "Check the backups." },
      ],
    });
    expect(lines.slice(0, 6)).toEqual([
      "1 thing needs attention:",
      "- The restore drill failed. Check the backups.",
      "",
      "Newest good backup: none yet.",
      "Last restore drill: failed (the file is damaged) on 2025-09-19 03:00:00.",
      "Off-site copies: failing since 2025-09-18 06:00:00 (access denied (S3)).",
    ]);
  });
});
