import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { tempDir } from "../helpers.ts";

/** A certificate for 127.0.0.1 and localhost that no system trusts: its PEM file and its key. */
export function selfSignedCertificate(): { certFile: string; cert: string; key: string } {
  const dir = tempDir("business-app-cert-");
  const certFile = join(dir, "mail.pem");
  const keyFile = join(dir, "mail.key");
  const made = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { encoding: "utf8", timeout: 30_000 },
  );
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  return { certFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | null;
  /** Whether the connection was encrypted when the mail came. */
  secure: boolean;
  subject: string;
  text: string;
  raw: string;
}

/** Undoes quoted-printable (`=E2=80=94`, soft line breaks) and encoded words in a header. */
function decode(raw: string): { subject: string; text: string } {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join("\n\n");
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const subjectLine = /^Subject: (.*)$/im.exec(unfolded)?.[1] ?? "";
  const subject = subjectLine.replace(/=\?UTF-8\?Q\?(.*?)\?=\s*/gi, (_, q: string) =>
    qp(q.replaceAll("_", " ")),
  );
  const qpBody = /Content-Transfer-Encoding: quoted-printable/i.test(head);
  return { subject, text: (qpBody ? qp(body) : body).replace(/\r\n/g, "\n") };
}

function qp(text: string): string {
  const bytes: number[] = [];
  const joined = text.replace(/=\r?\n/g, "");
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...new TextEncoder().encode(joined[i]));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * A real SMTP server on 127.0.0.1 (the npm `smtp-server`), on a port of its own: it keeps every
 * e-mail it takes, and accepts only `user`/`password` when they are given. `waitFor` resolves
 * once the given number of mails came, or fails after a bounded wait.
 */
export async function startMailServer(options: {
  security: "tls" | "starttls" | "none";
  cert?: { cert: string; key: string };
  user?: string;
  password?: string;
}): Promise<{
  port: number;
  mails: ReceivedMail[];
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}> {
  const mails: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const config: SMTPServerOptions = {
    secure: options.security === "tls",
    ...(options.cert ? { key: options.cert.key, cert: options.cert.cert } : {}),
    authOptional: options.user === undefined,
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    // "none": no STARTTLS at all, as an old or misconfigured server; without a user, no AUTH.
    disabledCommands: [
      ...(options.user === undefined ? ["AUTH"] : []),
      ...(options.security === "none" ? ["STARTTLS"] : []),
    ],
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password)
        return callback(null, { user: auth.username });
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: (session.user as string | undefined) ?? null,
          secure: session.secure,
          raw,
          ...decode(raw),
        });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  };
  const server = new SMTPServer(config);
  server.on("error", () => {
    // A client that hangs up mid-handshake (an untrusted certificate) is no fault of the server.
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  return {
    port,
    mails,
    async waitFor(count, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (mails.length < count) {
        const left = until - Date.now();
        if (left <= 0) throw new Error(`expected ${count} e-mails, received ${mails.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return mails;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The shop's mail account as the tests use it: its user name and password. */
export const SHOP_MAIL = { user: "shop@example.com", password: "Sh0p-Mail-S3cret!" } as const;

/** The shop's own mail server: STARTTLS with a self-signed certificate (`cert`, to trust), AUTH as `SHOP_MAIL`. */
export async function startShopMailServer() {
  const cert = selfSignedCertificate();
  const server = await startMailServer({ security: "starttls", cert, ...SHOP_MAIL });
  return Object.assign(server, { cert });
}
