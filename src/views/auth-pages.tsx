/** @jsxImportSource hono/jsx */
import { MIN_PASSWORD_LENGTH } from "../auth/passwords.ts";
import { type AssetUrls, Document } from "./document.tsx";
import { Notice } from "./layout.tsx";

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
}) {
  return (
    <Document title="Sign in" assets={props.assets}>
      <main class="auth-page">
        <h1>Sign in to BusinessApp</h1>
        {props.notice ? <Notice kind="ok">{props.notice}</Notice> : null}
        {props.error ? <Notice kind="error">{props.error}</Notice> : null}
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
