/** @jsxImportSource hono/jsx */

import type { AppStatus } from "../../app/status.ts";
import { upperFirst } from "../../lib/text.ts";
import { clockTime } from "../../lib/time.ts";
import { foreignWords, UNAUTHENTICATED } from "../../offsite/places/targets.ts";
import type { OffsiteTargetStatus } from "../../offsite/status.ts";
import { Icon } from "../layout/icons.tsx";
import { Time } from "../layout/when.tsx";
import { PLACE_WORD } from "./offsite-places.tsx";
import { offsiteSentence } from "./offsite-sentence.ts";

const TONE_ICON = { ok: "good", warn: "alert", bad: "alert" } as const;

/** The line about off-site copies under the status sentence (see `offsiteSentence`); nothing when they are not set up. */
export function OffsiteBanner(props: { status: AppStatus; now: Date }) {
  const sentence = offsiteSentence(props.status.offsite, props.now);
  if (!sentence) return null;
  // A failure stands among the alerts (with what to do about it): it is not said twice.
  if (sentence.tone === "bad" && props.status.alerts.some((a) => a.id === "offsite_failing")) return null;
  return (
    <p class={`verdict verdict-small verdict-${sentence.tone}`} id="offsite-sentence">
      <Icon name={TONE_ICON[sentence.tone]} />
      <span>{sentence.text}</span>
    </p>
  );
}

function TargetLine(props: { target: OffsiteTargetStatus; now: Date }) {
  const { target: t, now } = props;
  const count = t.copies === null ? "not looked at yet" : t.copies === 1 ? "1 copy" : `${t.copies} copies`;
  return (
    <li>
      <span class={t.failingSince ? "status-bad" : "status-ok"}>{upperFirst(PLACE_WORD[t.target])}</span>{" "}
      <code class="path">{t.where}</code>: {count}
      {t.lastCopyAt ? (
        <>
          , the newest copied <Time at={t.lastCopyAt} now={now} as="ago" />
        </>
      ) : null}
      {t.failingSince ? (
        <>
          ; <strong>failing since {clockTime(t.failingSince, now)}</strong>: {t.lastError}
        </>
      ) : null}
      {t.foreignObjects ? <>; {foreignWords(t.foreignObjects)}</> : null}
    </li>
  );
}

/** The off-site facts of the status panel: each place, its copies, and its trouble. */
export function OffsiteFact(props: { status: AppStatus; now: Date }) {
  const offsite = props.status.offsite;
  if (!offsite) return null;
  return (
    <>
      <dt>Off-site copies</dt>
      <dd>
        <ul class="plain">
          {offsite.targets.map((t) => (
            <TargetLine target={t} now={props.now} />
          ))}
        </ul>
        {offsite.encrypted
          ? "Encrypted with your passphrase (age format), and signed: a copy counts only if BusinessApp wrote it. "
          : `Not encrypted, and ${UNAUTHENTICATED}. `}
        {offsite.running ? "Copying now. " : null}
        {offsite.retryAt ? (
          <>
            Tried again <Time at={offsite.retryAt} now={props.now} as="ahead" />.{" "}
          </>
        ) : null}
        {offsite.failedRuns > 0 ? `${offsite.failedRuns} failed attempts since BusinessApp started.` : null}
      </dd>
    </>
  );
}
