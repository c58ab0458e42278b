import { AppError } from "./errors.ts";

/**
 * One e-mail through a mail server (SMTP), every wait bounded, and its failure in words a shop
 * owner understands. What the server answered is never repeated: its text is the server's, may
 * hold anything, and says little to a person.
 */

export const MAIL_ERROR_CODES = ["mail.not_configured", "mail.failed"] as const;
export type MailErrorCode = (typeof MAIL_ERROR_CODES)[number];

/** Why an e-mail did not go out, as a kind (for tests and the log) and a sentence. */
export type MailFailure =
  | "auth"
  | "unreachable"
  | "no_such_server"
  | "timeout"
  | "certificate"
  | "no_starttls"
  | "tls"
  | "refused_address"
  | "refused"
  | "ca_file";

export class MailError extends AppError<MailErrorCode> {
  readonly failure: MailFailure | null;

  constructor(code: MailErrorCode, message: string, failure: MailFailure | null = null, cause?: unknown) {
    super(code, message, { cause });
    this.failure = failure;
  }
}

export interface MailServer {
  host: string;
  port: number;
  /** "tls": encrypted from the start; "starttls": encryption required before anything is sent; "none": plain. */
  security: "tls" | "starttls" | "none";
  user: string | null;
  password: string | null;
  /** Certificates (PEM) to trust besides the system's, for a server with a certificate of its own. */
  ca: string | null;
  /** How long connecting, the greeting and each answer may take. */
  timeoutMs: number;
}

export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

const CERTIFICATE = /certificate|self[- ]signed|CERT_|UNABLE_TO_(GET|VERIFY)|altnames|Hostname\/IP/i;

/** Nodemailer's error (its `code`, `command`, `responseCode`, and the TLS cause's) as a failure kind. */
export function classifyMailError(error: unknown): MailFailure {
  const e = error as {
    code?: string;
    command?: string;
    responseCode?: number;
    message?: string;
    reason?: unknown;
  };
  const text = `${e.message ?? ""} ${String((e.reason as { code?: string } | undefined)?.code ?? "")}`;
  switch (e.code) {
    case "EAUTH":
    case "ENOAUTH":
      return "auth";
    case "EDNS":
      return "no_such_server";
    case "ETIMEDOUT":
      return "timeout";
    case "EENVELOPE":
      return "refused_address";
    case "ETLS":
      if (e.command === "STARTTLS" && typeof e.responseCode === "number") return "no_starttls";
      return CERTIFICATE.test(text) ? "certificate" : "tls";
  }
  if (CERTIFICATE.test(text)) return "certificate";
  if (e.code === "ECONNECTION" || e.code === "ESOCKET") {
    if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(text)) return "no_such_server";
    if (/timed? ?out/i.test(text)) return "timeout";
    if (/wrong version|SSL|TLS|packet length|record/i.test(text)) return "tls";
    return "unreachable";
  }
  return "refused";
}

/** A failure in words, naming the server as the settings give it. */
export function describeMailFailure(
  failure: MailFailure,
  server: Pick<MailServer, "host" | "port" | "timeoutMs">,
): string {
  const where = `${server.host}:${server.port}`;
  switch (failure) {
    case "auth":
      return `the mail server refused the user name or password`;
    case "unreachable":
      return `could not reach ${where}`;
    case "no_such_server":
      return `no mail server named ${server.host} was found`;
    case "timeout":
      return `could not reach ${where} within ${Math.round(server.timeoutMs / 1000)} s`;
    case "certificate":
      return `the certificate of ${server.host} is not trusted`;
    case "no_starttls":
      return `the mail server ${where} does not offer STARTTLS (encryption)`;
    case "tls":
      return `an encrypted connection to ${where} could not be made (is the security setting right for this port?)`;
    case "refused_address":
      return "the mail server refused the sender's or a recipient's address";
    case "refused":
      return "the mail server refused the e-mail";
    case "ca_file":
      return "the certificate file to trust cannot be read";
  }
}

/**
 * Sends one e-mail and resolves once the server took it. Throws `MailError` ("mail.failed") with
 * the reason in words. "starttls" never sends anything unencrypted (nodemailer's `requireTLS`);
 * "tls" and "starttls" check the server's certificate against the system's and `ca`. The whole
 * exchange is bounded: each wait by `timeoutMs`, all of it by four times that.
 */
export async function sendMail(server: MailServer, message: MailMessage): Promise<void> {
  // Loaded when an e-mail goes out, not at every start of every command (about 0.1 s under Deno).
  const { createTransport } = await import("nodemailer");
  const transport = createTransport({
    host: server.host,
    port: server.port,
    secure: server.security === "tls",
    requireTLS: server.security === "starttls",
    ignoreTLS: server.security === "none",
    ...(server.user !== null && server.password !== null
      ? { auth: { user: server.user, pass: server.password } }
      : {}),
    tls: { rejectUnauthorized: true, ...(server.ca ? { ca: server.ca } : {}) },
    connectionTimeout: server.timeoutMs,
    greetingTimeout: server.timeoutMs,
    socketTimeout: server.timeoutMs,
    dnsTimeout: server.timeoutMs,
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error("Timeout"), { code: "ETIMEDOUT" })),
      server.timeoutMs * 4,
    );
  });
  try {
    await Promise.race([
      transport.sendMail({
        from: { name: "BusinessApp", address: message.from },
        to: message.to,
        subject: message.subject,
        text: message.text,
      }),
      deadline,
    ]);
  } catch (error) {
    const failure = classifyMailError(error);
    throw new MailError("mail.failed", describeMailFailure(failure, server), failure, error);
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
