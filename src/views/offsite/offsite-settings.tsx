/** @jsxImportSource hono/jsx */

import type { PassphraseStatus } from "../../app/settings/passphrase.ts";
import type { SettingSource } from "../../config/load.ts";
import { envName, KIND_NAMES, type SettingKey, type Settings } from "../../config/schema.ts";
import type { TargetTest } from "../../offsite/places/targets.ts";
import { CsrfField, type PageProps } from "../layout/layout.tsx";
import { KIND_TITLE } from "../layout/words.ts";
import { Field, fixedBy } from "../settings/setting-field.tsx";
import { labelOf } from "../settings/setting-labels.ts";
import { PassphraseSettings } from "./passphrase.tsx";

export interface OffsiteSettingsProps {
  viewer: PageProps["viewer"];
  settings: Settings;
  sources: Record<SettingKey, SettingSource>;
  /** The results of "Test connection", when it was just pressed. */
  tests?: TargetTest[] | null;
  passphrase: PassphraseStatus;
  now: Date;
}

/** Whether a secret is set, and where: its value is never shown. */
function SecretFact(props: {
  name: SettingKey;
  label: string;
  settings: Settings;
  sources: OffsiteSettingsProps["sources"];
}) {
  const set = props.settings[props.name] !== null;
  const source = props.sources[props.name];
  const where = source === "environment" ? `by ${envName(props.name)}` : "in the settings file";
  return (
    <>
      <dt>{props.label}</dt>
      <dd>
        {set ? `set (${where})` : "not set"}
        <span class="muted small">
          {" "}
          — set it with the environment variable <code>{envName(props.name)}</code> where BusinessApp starts,
          or as <code>{props.name}</code> in the settings file. It is never shown.
        </span>
      </dd>
    </>
  );
}

/** The outcome of a connection test, place by place. */
export function TestResults(props: { tests: TargetTest[]; id?: string }) {
  return (
    <ul class="plain" id={props.id ?? "offsite-test-results"}>
      {props.tests.map((t) => (
        <li class={t.ok ? "status-ok" : "status-bad"}>
          {t.ok ? "Works" : "Failed"}: {t.label} (<code class="path">{t.where}</code>) — {t.message}
        </li>
      ))}
    </ul>
  );
}

/**
 * The Settings page's section on off-site copies: where they go (a mirror folder, an S3 bucket),
 * which backups, how many stay there; the secrets only as "set" or "not set"; a connection test.
 */
export function OffsiteSettings(props: OffsiteSettingsProps) {
  const { settings, sources, viewer } = props;
  const field = (name: SettingKey, value: string | number | null) => (
    <Field name={name} label={labelOf(name)} value={value === null ? "" : String(value)} sources={sources} />
  );
  const kindsFixed = fixedBy("offsite_kinds", sources.offsite_kinds);
  return (
    <section class="panel" aria-labelledby="offsite-heading" id="offsite">
      <h2 id="offsite-heading">Off-site copies</h2>
      <p>
        A copy of every backup on another disk (a USB drive, a NAS) and in S3-compatible storage (Backblaze
        B2, Cloudflare R2, AWS S3, MinIO), made in the background after each backup. With a passphrase they
        are encrypted in the age format, which the <code>age</code> tool opens on any computer.
      </p>
      {props.tests ? <TestResults tests={props.tests} /> : null}
      <form method="post" action="/settings/offsite/test">
        <CsrfField viewer={viewer} />
        <button type="submit" class="secondary">
          Test connection
        </button>
      </form>
      <form method="post" action="/settings/offsite">
        <CsrfField viewer={viewer} />
        <h3>Mirror folder</h3>
        {field("offsite_mirror_dir", settings.offsite_mirror_dir)}
        <h3>S3-compatible storage</h3>
        {field("offsite_s3_endpoint", settings.offsite_s3_endpoint)}
        {field("offsite_s3_bucket", settings.offsite_s3_bucket)}
        {field("offsite_s3_region", settings.offsite_s3_region)}
        {field("offsite_s3_prefix", settings.offsite_s3_prefix)}
        {field("offsite_s3_access_key_id", settings.offsite_s3_access_key_id)}
        <dl class="facts">
          <SecretFact
            name="offsite_s3_secret_access_key"
            label={labelOf("offsite_s3_secret_access_key")}
            settings={settings}
            sources={sources}
          />
          <SecretFact
            name="offsite_passphrase"
            label={labelOf("offsite_passphrase")}
            settings={settings}
            sources={sources}
          />
        </dl>
        <h3>Which backups, and how many stay there</h3>
        <fieldset class="form-row" disabled={kindsFixed !== null}>
          <legend>{labelOf("offsite_kinds")}</legend>
          <input type="hidden" name="offsite_kinds_sent" value="true" />
          {KIND_NAMES.map((kind) => (
            <label class="inline">
              <input
                type="checkbox"
                name="offsite_kinds"
                value={kind}
                checked={settings.offsite_kinds.includes(kind)}
              />{" "}
              {KIND_TITLE[kind]}
            </label>
          ))}
          {kindsFixed ? <p class="muted small">{kindsFixed}</p> : null}
        </fieldset>
        <p class="muted small">Empty: as many as are kept here. The newest copy is never removed.</p>
        {field("offsite_max_backups", settings.offsite_max_backups)}
        {field("offsite_max_manual_backups", settings.offsite_max_manual_backups)}
        {field("offsite_max_pre_restore_backups", settings.offsite_max_pre_restore_backups)}
        {field("offsite_max_pre_update_backups", settings.offsite_max_pre_update_backups)}
        {field("offsite_max_startup_backups", settings.offsite_max_startup_backups)}
        {field("offsite_keep_daily", settings.offsite_keep_daily)}
        {field("offsite_keep_weekly", settings.offsite_keep_weekly)}
        {field("offsite_keep_monthly", settings.offsite_keep_monthly)}
        {field("offsite_keep_yearly", settings.offsite_keep_yearly)}
        {field("offsite_passphrase_check_days", settings.offsite_passphrase_check_days)}
        <div class="form-row">
          <button type="submit">Save off-site settings</button>
        </div>
      </form>
      <PassphraseSettings viewer={viewer} status={props.passphrase} now={props.now} />
    </section>
  );
}
