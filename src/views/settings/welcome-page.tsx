/** @jsxImportSource hono/jsx */
import type { PassphraseStatus } from "../../app/settings/passphrase.ts";
import type { Settings } from "../../config/schema.ts";
import { formatBytes } from "../../lib/format.ts";
import type { Drive, FolderListing } from "../../offsite/places/drives.ts";
import type { TargetTest } from "../../offsite/places/targets.ts";
import { CsrfField, Notice, Page, type PageProps, type Viewer } from "../layout/layout.tsx";
import { TestResults } from "../offsite/offsite-settings.tsx";
import { PassphraseSettings } from "../offsite/passphrase.tsx";

const free = (bytes: number | null) => (bytes === null ? "" : `${formatBytes(bytes)} free`);
const chooserUrl = (path?: string) =>
  path === undefined ? "/welcome/folders" : `/welcome/folders?path=${encodeURIComponent(path)}`;
const pageUrl = (path: string) => `/welcome?path=${encodeURIComponent(path)}#step-place`;

/** A link that opens a folder in the chooser: in place with htmx, as a whole page without it. */
function FolderLink(props: { path: string; children: unknown }) {
  return (
    <a
      href={pageUrl(props.path)}
      hx-get={chooserUrl(props.path)}
      hx-target="#folder-chooser"
      hx-swap="outerHTML"
    >
      {props.children}
    </a>
  );
}

/**
 * The folder chooser: the PC's drives (removable ones first, with their label and free space), then
 * the folders of the one chosen, a new folder made there, and "Use this folder".
 */
export function FolderChooser(props: {
  viewer: Viewer;
  drives: Drive[] | null;
  listing: FolderListing | null;
  error?: string | null;
}) {
  const { listing } = props;
  return (
    <div id="folder-chooser" class="folder-chooser">
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      {listing ? (
        <>
          <p>
            <strong class="path">{listing.path}</strong>{" "}
            <span class="muted small">{free(listing.freeBytes)}</span>
          </p>
          <p class="small">
            {listing.parent ? <FolderLink path={listing.parent}>Up one folder</FolderLink> : null}
            {listing.parent ? " · " : null}
            <a
              href="/welcome#step-place"
              hx-get={chooserUrl()}
              hx-target="#folder-chooser"
              hx-swap="outerHTML"
            >
              All drives
            </a>
          </p>
          <form method="post" action="/welcome/mirror">
            <CsrfField viewer={props.viewer} />
            <input type="hidden" name="offsite_mirror_dir" value={listing.path} />
            <button type="submit">Use this folder</button>
          </form>
          {listing.folders.length > 0 ? (
            <ul class="plain folder-list">
              {listing.folders.map((name) => (
                <li>
                  <FolderLink
                    path={`${listing.path.replace(/[\\/]$/, "")}${listing.path.includes("\\") ? "\\" : "/"}${name}`}
                  >
                    {name}
                  </FolderLink>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted small">No folders in it.</p>
          )}
          {listing.more ? (
            <p class="muted small">Only the first 300 folders are shown: type the path below.</p>
          ) : null}
          <form
            method="post"
            action="/welcome/folders/new"
            class="chooser-form"
            hx-post="/welcome/folders/new"
            hx-target="#folder-chooser"
            hx-swap="outerHTML"
          >
            <CsrfField viewer={props.viewer} />
            <input type="hidden" name="path" value={listing.path} />
            <label for="new-folder">New folder here</label>
            <input
              id="new-folder"
              name="name"
              type="text"
              value="BusinessApp backups"
              maxlength={100}
              required
            />
            <button type="submit" class="secondary">
              Make it
            </button>
          </form>
        </>
      ) : props.drives && props.drives.length > 0 ? (
        <ul class="plain drive-list">
          {props.drives.map((drive) => (
            <li>
              <FolderLink path={drive.path}>{drive.label}</FolderLink>{" "}
              <span class="muted small">
                {drive.removable ? "removable · " : ""}
                {free(drive.freeBytes)}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">
          No USB drive or other disk was found. Plug one in and{" "}
          <a href="/welcome#step-place" hx-get={chooserUrl()} hx-target="#folder-chooser" hx-swap="outerHTML">
            look again
          </a>
          , or type the folder's path below.
        </p>
      )}
    </div>
  );
}

export interface WelcomeProps extends PageProps {
  settings: Settings;
  /** Settings the page cannot change (set where BusinessApp starts), by what they are for. */
  fixed: { cadence: boolean; mirror: boolean; s3: boolean };
  cadence: string;
  passphrase: PassphraseStatus;
  chooser: { drives: Drive[] | null; listing: FolderListing | null; error?: string | null };
  notice?: string | null;
  error?: string | null;
  tests?: TargetTest[] | null;
  /** What was typed in the S3 form, shown again after a failed test (never the secret). */
  s3Typed?: Record<string, string> | null;
}

/**
 * The set-up guide, shown after the first super administrator is created and later from Settings:
 * recommended protection in one click, where the copies go (a folder on a drive the PC has, or S3,
 * tested before it is saved), and the passphrase with its emergency kit. Every choice can be
 * changed later on the Settings page.
 */
export function WelcomePage(props: WelcomeProps) {
  const { settings, viewer, now } = props;
  const s3 = (key: keyof Settings) =>
    props.s3Typed?.[key] ?? (settings[key] === null ? "" : String(settings[key]));
  const s3Field = (key: keyof Settings, label: string, type = "text") => (
    <div class="form-row">
      <label for={`welcome-${key}`}>{label}</label>
      <input id={`welcome-${key}`} name={key} type={type} value={type === "password" ? "" : s3(key)} />
    </div>
  );
  return (
    <Page viewer={viewer} assets={props.assets} title="Set-up guide" current="/settings">
      <h1>Set up protection</h1>
      <p>
        Three steps, a minute each. Every choice can be changed later on the <a href="/settings">Settings</a>{" "}
        page.
      </p>
      {props.notice ? <Notice kind="ok">{props.notice}</Notice> : null}
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <section class="panel" id="step-protection" aria-labelledby="step-protection-heading">
        <h2 id="step-protection-heading">1. Recommended protection</h2>
        <p>
          Now: automatic backups {props.cadence}, {settings.max_backups} kept; a restore drill every{" "}
          {settings.drill_interval_days} days; continuous protection (every change, to undo to any moment){" "}
          {settings.continuous_protection ? "on" : "off"}.
        </p>
        <form method="post" action="/welcome/protection">
          <CsrfField viewer={viewer} />
          {props.fixed.cadence ? (
            <p class="muted small">
              <input type="hidden" name="choice" value="fixed" />
              When backups run is set where BusinessApp starts; the rest is set here.
            </p>
          ) : (
            <fieldset>
              <legend>When automatic backups run</legend>
              <label class="inline">
                <input type="radio" name="choice" value="every-6-hours" checked /> Every 6 hours, day and
                night
              </label>
              <label class="inline">
                <input type="radio" name="choice" value="opening-hours" /> Every hour in opening hours (08:00
                to 18:00, Monday to Saturday)
              </label>
            </fieldset>
          )}
          <p class="muted small">
            Also: keep the last 10 automatic backups, and prove every week that the newest one can be
            restored.
          </p>
          <button type="submit">Use the recommended protection</button>
        </form>
      </section>
      <section class="panel" id="step-place" aria-labelledby="step-place-heading">
        <h2 id="step-place-heading">2. Where should copies go?</h2>
        <p>
          A fire, a theft or a broken disk takes the PC and its backups together. A copy of every backup
          somewhere else keeps the shop's data: a USB drive taken home at night, a network drive, or online
          storage. Now:{" "}
          {settings.offsite_mirror_dir || settings.offsite_s3_bucket
            ? [
                settings.offsite_mirror_dir ? `the folder ${settings.offsite_mirror_dir}` : null,
                settings.offsite_s3_bucket ? `the bucket ${settings.offsite_s3_bucket}` : null,
              ]
                .filter(Boolean)
                .join(" and ")
            : "nowhere yet"}
          .
        </p>
        {props.tests ? <TestResults tests={props.tests} id="welcome-test-results" /> : null}
        <h3>A folder on a USB drive or another disk</h3>
        {props.fixed.mirror ? (
          <p class="muted small">The folder is set where BusinessApp starts.</p>
        ) : (
          <>
            <p class="muted small">
              Click the drive, then a folder on it (or make one there), then <strong>Use this folder</strong>.
              BusinessApp tests it before it saves it.
            </p>
            <FolderChooser viewer={viewer} {...props.chooser} />
            <form method="post" action="/welcome/mirror" class="chooser-form">
              <CsrfField viewer={viewer} />
              <label for="welcome-mirror">Or type the folder's path</label>
              <input
                id="welcome-mirror"
                name="offsite_mirror_dir"
                type="text"
                placeholder="E:\Backups or /media/usb/backups"
                value={settings.offsite_mirror_dir ?? ""}
              />
              <button type="submit" class="secondary">
                Test and use
              </button>
            </form>
          </>
        )}
        <details open={props.s3Typed || settings.offsite_s3_bucket ? true : undefined}>
          <summary>
            <h3 class="inline-heading">
              Online storage (S3-compatible: Backblaze B2, Cloudflare R2, AWS S3, MinIO)
            </h3>
          </summary>
          {props.fixed.s3 ? (
            <p class="muted small">The storage is set where BusinessApp starts.</p>
          ) : (
            <form method="post" action="/welcome/s3">
              <CsrfField viewer={viewer} />
              {s3Field("offsite_s3_endpoint", "Endpoint (the address the provider gives, https://…)")}
              {s3Field("offsite_s3_bucket", "Bucket")}
              {s3Field("offsite_s3_region", "Region")}
              {s3Field("offsite_s3_prefix", "Folder in the bucket (may stay empty)")}
              {s3Field("offsite_s3_access_key_id", "Access key id")}
              {s3Field(
                "offsite_s3_secret_access_key",
                settings.offsite_s3_secret_access_key
                  ? "Secret access key (set; empty keeps it)"
                  : "Secret access key",
                "password",
              )}
              <button type="submit" class="secondary">
                Test and use
              </button>
            </form>
          )}
        </details>
      </section>
      <section class="panel" id="step-passphrase" aria-labelledby="step-passphrase-heading">
        <h2 id="step-passphrase-heading">3. A passphrase, and the emergency kit</h2>
        <PassphraseSettings viewer={viewer} status={props.passphrase} now={now} />
      </section>
      <p>
        <a href="/" class="button">
          Finish: to the dashboard
        </a>
      </p>
    </Page>
  );
}
