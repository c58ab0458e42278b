/** @jsxImportSource hono/jsx */
import { MIN_PASSWORD_LENGTH } from "../../auth/passwords.ts";
import { type AssetUrls, Document } from "../layout/document.tsx";
import { Notice } from "../layout/layout.tsx";

function UsernameField(props: { value: string | undefined }) {
  return (
    <>
      <label for="username">User name</label>
      <input
        id="username"
        name="username"
        type="text"
        autocomplete="username"
        required
        value={props.value ?? ""}
        autofocus
      />
    </>
  );
}

export function LoginPage(props: {
  assets: AssetUrls;
  next: string;
  username?: string;
  error?: string | null;
  notice?: string | null;
  /** No user exists yet: where the setup link of the first one is (`logPath`: the backup log). */
  firstRun?: { logPath: string } | null;
}) {
  return (
    <Document title="Sign in" assets={props.assets}>
      <main class="auth-page">
        <h1>Sign in to BusinessApp</h1>
        {props.notice ? <Notice kind="ok">{props.notice}</Notice> : null}
        {props.error ? <Notice kind="error">{props.error}</Notice> : null}
        {props.firstRun ? <FirstRunHelp logPath={props.firstRun.logPath} /> : null}
        <form method="post" action="/login" class="panel">
          <input type="hidden" name="next" value={props.next} />
          <UsernameField value={props.username} />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <div class="form-row">
            <button type="submit">Sign in</button>
          </div>
        </form>
      </main>
    </Document>
  );
}

export function SetupPage(props: {
  assets: AssetUrls;
  token: string;
  username?: string;
  error?: string | null;
}) {
  return (
    <Document title="First start" assets={props.assets}>
      <main class="auth-page">
        <h1>Welcome to BusinessApp</h1>
        <p>
          Create the first user. This person is the super administrator: they can restore backups and manage
          every user.
        </p>
        {props.error ? <Notice kind="error">{props.error}</Notice> : null}
        <form method="post" action="/setup" class="panel">
          <input type="hidden" name="token" value={props.token} />
          <UsernameField value={props.username} />
          <label for="password">Password (at least {MIN_PASSWORD_LENGTH} characters)</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength={MIN_PASSWORD_LENGTH}
          />
          <label for="password2">Password again</label>
          <input id="password2" name="password2" type="password" autocomplete="new-password" required />
          <div class="form-row">
            <button type="submit">Create super administrator</button>
          </div>
        </form>
      </main>
    </Document>
  );
}

export function SetupExpiredPage(props: { assets: AssetUrls }) {
  return (
    <Document title="Setup link expired" assets={props.assets}>
      <main class="auth-page">
        <h1>This setup link has expired</h1>
        <p>
          Setup links work for 30 minutes. Restart BusinessApp for a new link, or create the first user at the
          command line: <code>business-app user add --username NAME --role super_admin --password-stdin</code>
        </p>
      </main>
    </Document>
  );
}

/** The way in before the first user exists: the setup link, where it was printed, and how to get a new one. */
function FirstRunHelp(props: { logPath: string }) {
  return (
    <section class="panel first-run" id="first-run">
      <h2>No users yet</h2>
      <p>
        The first user, a super administrator, is created with the setup link BusinessApp printed when it
        started: in its console window, and in the log file <code>{props.logPath}</code> (the line that starts
        with "No users yet. Open this link").
      </p>
      <p>
        The link works once, for 30 minutes. For a new one, close BusinessApp and start it again, or create
        the first user at the command line:{" "}
        <code>business-app user add --username NAME --role super_admin --password-stdin</code>
      </p>
    </section>
  );
}

/**
 * A setup link that no longer works: after the first start the way in is the sign-in page; before
 * it, the link printed at start.
 */
export function SetupLinkUsedPage(props: { assets: AssetUrls; setUp: boolean }) {
  return (
    <Document title={props.setUp ? "Already set up" : "Setup link not valid"} assets={props.assets}>
      <main class="auth-page">
        {props.setUp ? (
          <>
            <h1>BusinessApp is already set up</h1>
            <p>
              This setup link has been used: the first user exists. Everyone signs in on the sign-in page.
            </p>
            <p>
              <a class="button" href="/login">
                Go to sign-in
              </a>
            </p>
            <p class="muted small">
              Forgot a password? A super administrator can set a new one on the Users page.
            </p>
          </>
        ) : (
          <>
            <h1>This setup link does not work</h1>
            <p>
              Use the link BusinessApp printed when it started (in its window and in the backup log). Restart
              BusinessApp for a new link.
            </p>
          </>
        )}
      </main>
    </Document>
  );
}
