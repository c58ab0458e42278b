/** @jsxImportSource hono/jsx */
import type { KitSection } from "../../app/settings/emergency-kit.ts";
import type { PassphraseStatus } from "../../app/settings/passphrase.ts";
import { envName } from "../../config/schema.ts";
import { CsrfField, Notice, Page, type PageProps, type Viewer } from "../layout/layout.tsx";
import { Time } from "../layout/when.tsx";

/** Who last typed the passphrase, and when; or that nobody has since it came. */
function LastTyped(props: { status: PassphraseStatus; now: Date }) {
  const { status, now } = props;
  if (!status.confirmedAt) return <>Nobody has typed it here yet.</>;
  return (
    <>
      Last typed by {status.confirmedBy ?? "someone"} <Time at={status.confirmedAt} now={now} />.
    </>
  );
}

/** The form where an administrator types the passphrase to show it is still known. */
export function PassphraseCheckForm(props: {
  viewer: Viewer;
  error?: string | null;
  notice?: string | null;
  typedFingerprint?: string | null;
}) {
  return (
    <form
      method="post"
      action="/passphrase/check"
      class="passphrase-check"
      hx-post="/passphrase/check"
      hx-swap="outerHTML"
    >
      <CsrfField viewer={props.viewer} />
      {props.notice ? <Notice kind="ok">{props.notice}</Notice> : null}
      {props.error ? (
        <Notice kind="error">
          {props.error}
          {props.typedFingerprint ? ` The fingerprint of what you typed is ${props.typedFingerprint}.` : null}
        </Notice>
      ) : null}
      <div class="form-row">
        <label for="passphrase-check">Type the off-site passphrase</label>
        <input id="passphrase-check" name="passphrase" type="password" autocomplete="off" required />
      </div>
      <button type="submit" class="secondary">
        Check the passphrase
      </button>
    </form>
  );
}

/** On the dashboard for administrators, when the passphrase is due to be typed again. */
export function PassphraseReminder(props: { viewer: Viewer; status: PassphraseStatus; now: Date }) {
  return (
    <section
      class="panel panel-attention"
      aria-labelledby="passphrase-reminder-heading"
      id="passphrase-reminder"
    >
      <h2 id="passphrase-reminder-heading">Is the passphrase still known?</h2>
      <p>
        The off-site copies open only with their passphrase. To be sure someone still knows it, type it here:
        BusinessApp checks it against the copies. <LastTyped status={props.status} now={props.now} />
      </p>
      <PassphraseCheckForm viewer={props.viewer} />
    </section>
  );
}

/** The Settings page's part on the passphrase: set it (typed twice), or what is known about the one set. */
export function PassphraseSettings(props: { viewer: Viewer; status: PassphraseStatus; now: Date }) {
  const { status, viewer, now } = props;
  if (status.set) {
    return (
      <div id="passphrase">
        <h3>Passphrase</h3>
        <p>
          Off-site copies are encrypted.{" "}
          {status.fixed ? (
            <>
              The passphrase is set by <code>{envName("offsite_passphrase")}</code> where BusinessApp starts.
            </>
          ) : (
            <>The passphrase is kept in the settings file and never shown again.</>
          )}{" "}
          Its fingerprint is <strong class="fingerprint">{status.fingerprint}</strong>.{" "}
          <LastTyped status={status} now={now} />
        </p>
        <p>
          <a href="/settings/emergency-kit">Emergency kit</a>: print it (or download it) and write the
          passphrase on it by hand.
        </p>
        <PassphraseCheckForm viewer={viewer} />
      </div>
    );
  }
  return (
    <form method="post" action="/settings/passphrase" id="passphrase">
      <CsrfField viewer={viewer} />
      <h3>Passphrase</h3>
      <p>
        With a passphrase, every off-site copy is encrypted: whoever finds the USB drive or reaches the
        storage cannot read the shop's data. The copies then open <strong>only</strong> with it, on any PC, so
        write it down: after saving, BusinessApp shows an emergency kit to print. It is never shown again.
      </p>
      {status.fixed ? null : (
        <>
          <div class="form-row">
            <label for="new-passphrase">Passphrase (at least 12 characters; a few words are best)</label>
            <input
              id="new-passphrase"
              name="passphrase"
              type="password"
              autocomplete="new-password"
              minlength={12}
              maxlength={1024}
              required
            />
          </div>
          <div class="form-row">
            <label for="new-passphrase2">Type it again</label>
            <input
              id="new-passphrase2"
              name="passphrase2"
              type="password"
              autocomplete="new-password"
              required
            />
          </div>
          <button type="submit">Save the passphrase</button>
        </>
      )}
    </form>
  );
}

/** The emergency kit, made to be printed; the same words as the text file. */
export function EmergencyKitPage(props: PageProps & { sections: KitSection[]; justSaved: boolean }) {
  return (
    <Page
      viewer={props.viewer}
      assets={props.assets}
      title="Emergency kit"
      current="/settings"
      banner={false}
    >
      <div class="kit">
        {props.justSaved ? (
          <Notice kind="ok">
            The passphrase is saved. Print this page now (Ctrl+P) or download it, and write the passphrase on
            it by hand: BusinessApp never shows it again.
          </Notice>
        ) : null}
        <p class="no-print">
          <a href="/settings/emergency-kit.txt" download="BusinessApp-emergency-kit.txt">
            Download as a text file
          </a>{" "}
          · Print: Ctrl+P · <a href="/settings#offsite">Back to Settings</a> ·{" "}
          <a href="/welcome#step-passphrase">Back to the set-up guide</a>
        </p>
        {props.sections.map((section, i) => (
          <section class="panel kit-section">
            {i === 0 ? <h1>{section.heading}</h1> : <h2>{section.heading}</h2>}
            {section.lines.map((line) => (
              <p>{line}</p>
            ))}
            {section.commands ? <pre class="kit-commands">{section.commands.join("\n")}</pre> : null}
          </section>
        ))}
      </div>
    </Page>
  );
}
