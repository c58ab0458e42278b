/** @jsxImportSource hono/jsx */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { backupCadence, offsiteOptions } from "../../../app/settings/options.ts";
import type { PassphraseKeeper } from "../../../app/settings/passphrase.ts";
import type { Auth } from "../../../auth/auth.ts";
import { OFFSITE_ALLOWED, OFFSITE_FIELDS } from "../../../config/offsite-settings.ts";
import type { DataPaths } from "../../../config/paths.ts";
import { isInOwnFolders, offsiteSettingsProblem, type Settings } from "../../../config/schema.ts";
import type { SettingsChange } from "../../../config/settings-store.ts";
import { hasControlCharacters } from "../../../lib/text.ts";
import { listDrives, listFolder, onSameDisk } from "../../../offsite/places/drives.ts";
import type { TargetTest } from "../../../offsite/places/targets.ts";
import type { OffsiteService } from "../../../offsite/service.ts";
import { describeCadence } from "../../../scheduler/cadence.ts";
import { FolderChooser, WelcomePage, type WelcomeProps } from "../../../views/settings/welcome-page.tsx";
import { audited } from "../../audit.ts";
import type { AppEnv } from "../../context.ts";
import type { SettingsPort } from "../../deps.ts";
import { showProblemsWith } from "../../errors.tsx";
import { readForm, textField } from "../../forms/form.ts";
import { scheduleChange, scheduleOfForm } from "../../forms/schedule-choice.ts";
import { redirectTo, respondFragment, respondPage } from "../../html.ts";
import { badForm } from "../../http-errors.ts";
import { pagePropsOf, viewerOf } from "../../viewer.ts";

const S3_LABELS = {
  offsite_s3_endpoint: "The endpoint",
  offsite_s3_bucket: "The bucket",
  offsite_s3_region: "The region",
  offsite_s3_prefix: "The folder in the bucket",
  offsite_s3_access_key_id: "The access key id",
  offsite_s3_secret_access_key: "The secret access key",
} as const;
type S3Key = keyof typeof S3_LABELS;
const S3_KEYS = Object.keys(S3_LABELS) as S3Key[];

/** Characters no folder name may have on Windows or elsewhere. */
const BAD_NAME = /[<>:"/\\|?*]/;
/** Names Windows keeps for devices, with or without an extension. */
const DEVICE_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** Characters that do not show (zero-width spaces, direction marks): two names would look the same. */
const INVISIBLE = /\p{Cf}/u;

/** A name for a new folder that works on Windows and elsewhere and shows as it is. */
function isGoodFolderName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 100 &&
    !BAD_NAME.test(name) &&
    !hasControlCharacters(name) &&
    !INVISIBLE.test(name) &&
    !DEVICE_NAME.test(name) &&
    !/^[.$]/.test(name) &&
    !/[. ]$/.test(name)
  );
}

/** A refusal the guide shows on its own page, in words; nothing was changed. */
class GuideRefusal extends Error {}

/** The set-up guide (`WelcomePage`): recommended protection, where copies go, the passphrase. */
export function welcomeRoutes(deps: {
  settings: SettingsPort;
  offsite: OffsiteService;
  passphrase: PassphraseKeeper;
  paths: DataPaths;
  auth: Auth;
}) {
  const app = new Hono<AppEnv>();
  const fixed = (key: Parameters<SettingsPort["isFixed"]>[0]) => deps.settings.isFixed(key);

  async function page(
    c: Context<AppEnv>,
    extra: Partial<Pick<WelcomeProps, "notice" | "error" | "tests" | "s3Typed">> & {
      path?: string | undefined;
    },
    status?: ContentfulStatusCode,
  ) {
    const settings = deps.settings.current.settings;
    const listing = extra.path ? await listFolder(extra.path) : null;
    return respondPage(
      c,
      <WelcomePage
        {...pagePropsOf(c)}
        settings={settings}
        fixed={{
          cadence: fixed("interval_hours") || fixed("schedule"),
          mirror: fixed("offsite_mirror_dir"),
          s3: S3_KEYS.some((key) => fixed(key)) || fixed("offsite_s3_bucket"),
        }}
        cadence={describeCadence(backupCadence(settings))}
        passphrase={deps.passphrase.status()}
        chooser={{
          drives: listing ? null : await listDrives(),
          listing,
          error: extra.path && !listing ? "That folder cannot be opened." : null,
        }}
        notice={extra.notice ?? null}
        error={extra.error ?? null}
        tests={extra.tests ?? null}
        s3Typed={extra.s3Typed ?? null}
      />,
      status,
    );
  }

  /** Tests the places `candidate` sets up; saves `change` only when every one of them works. */
  async function testThenSave(
    c: Context<AppEnv>,
    candidate: Settings,
    change: SettingsChange,
    what: string,
    s3Typed?: Record<string, string>,
  ) {
    const own = [deps.paths.dataDir, deps.paths.backupsDir];
    if (candidate.offsite_mirror_dir !== null && isInOwnFolders(candidate.offsite_mirror_dir, own))
      throw new GuideRefusal(
        "That folder is BusinessApp's own, or inside it: the copies would be lost with the data. Choose a folder on a USB drive or another disk.",
      );
    if (offsiteSettingsProblem(candidate, own))
      throw new GuideRefusal("These settings do not fit together: fill in every field of the storage.");
    const tests: TargetTest[] = await deps.offsite.testCandidate(offsiteOptions(candidate));
    if (tests.some((t) => !t.ok))
      return page(
        c,
        {
          tests,
          error: "The test failed, so nothing was saved: see why below.",
          ...(s3Typed ? { s3Typed } : {}),
        },
        400,
      );
    await audited(c, deps.auth, "settings: set-up guide", what, () =>
      deps.settings.apply(change, viewerOf(c).username),
    );
    const mirror = candidate.offsite_mirror_dir;
    const sameDisk = mirror !== null && (await onSameDisk(mirror, deps.paths.dataDir));
    return page(c, {
      tests,
      notice: `${what} works and is saved: every backup is copied there from now on.${
        sameDisk
          ? " It is on the same disk as BusinessApp's data, though: a broken disk takes both. A USB drive or another disk is safer."
          : ""
      }`,
    });
  }

  app.get("/welcome", (c) =>
    page(c, {
      path: c.req.query("path"),
      notice:
        c.req.query("protected") === undefined
          ? null
          : c.req.query("protected") === "restart"
            ? "Recommended protection is on; continuous protection starts when BusinessApp starts next. Next: where the copies go."
            : "Recommended protection is on. Next: where the copies go.",
    }),
  );

  app.get("/welcome/folders", async (c) => {
    const path = c.req.query("path");
    const listing = path ? await listFolder(path) : null;
    return respondFragment(
      c,
      <FolderChooser
        viewer={viewerOf(c)}
        drives={listing ? null : await listDrives()}
        listing={listing}
        error={path && !listing ? "That folder cannot be opened." : null}
      />,
    );
  });

  app.post("/welcome/folders/new", async (c) => {
    const form = await readForm(c);
    const path = textField(form, "path");
    const name = textField(form, "name").trim();
    const listing = await listFolder(path);
    let error: string | null = null;
    if (!listing) error = "That folder cannot be opened.";
    else if (!isGoodFolderName(name))
      error =
        'A folder name has up to 100 characters, none of < > : " / \\ | ? *, does not start with . or $ or end with a dot or a space, and is not a name Windows keeps for itself (CON, NUL, COM1 …).';
    else {
      try {
        await mkdir(join(listing.path, name));
      } catch (e) {
        const code = (e as { code?: string }).code;
        error =
          code === "EEXIST"
            ? "A folder of that name is there already: open it from the list."
            : "The folder cannot be made there (the disk is full, read-only, or BusinessApp may not write there).";
      }
    }
    const shown = error || !listing ? listing : await listFolder(join(listing.path, name));
    return respondFragment(
      c,
      <FolderChooser
        viewer={viewerOf(c)}
        drives={shown ? null : await listDrives()}
        listing={shown}
        error={error}
      />,
      error ? 400 : 200,
    );
  });

  app.post("/welcome/protection", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const form = await readForm(c);
    const choice = textField(form, "choice");
    // The page always sends its choice ("fixed" when the schedule is set where BusinessApp starts).
    if (!["every-6-hours", "opening-hours", "fixed"].includes(choice))
      throw badForm("The form was incomplete; nothing was changed. Reload the page and try again.");
    const values: SettingsChange["values"] = { max_backups: "10", drill_interval_days: "7" };
    // Continuous protection starts with the app: turned on here, it begins at the next start.
    const continuousLater =
      !deps.settings.current.settings.continuous_protection && !fixed("continuous_protection");
    if (continuousLater) values.continuous_protection = "true";
    let change: SettingsChange = { values };
    if (!fixed("interval_hours") && !fixed("schedule")) {
      const choice = textField(form, "choice") === "opening-hours" ? "opening-hours" : "every-6-hours";
      const schedule = scheduleChange(
        scheduleOfForm({
          schedule_choice: choice,
          opening_from: "8",
          opening_to: "18",
          opening_days: "mon-sat",
        }),
      );
      change = { mode: schedule.mode, values: { ...values, ...schedule.values } };
    }
    await audited(c, deps.auth, "settings: set-up guide", "recommended protection", () =>
      deps.settings.apply(change, viewerOf(c).username),
    );
    return redirectTo(c, `/welcome?protected${continuousLater ? "=restart" : ""}#step-place`);
  });

  app.post("/welcome/mirror", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const path = textField(await readForm(c), "offsite_mirror_dir").trim();
    try {
      if (!isAbsolute(path) || hasControlCharacters(path))
        throw new GuideRefusal(`Type the folder's full path: ${OFFSITE_ALLOWED.offsite_mirror_dir}.`);
      if (!existsSync(path))
        throw new GuideRefusal(`There is no folder ${path}. Plug the drive in, or make the folder first.`);
      const candidate = {
        ...deps.settings.current.settings,
        offsite_mirror_dir: path,
        offsite_s3_bucket: null,
      };
      return await testThenSave(c, candidate, { values: { offsite_mirror_dir: path } }, "The folder");
    } catch (error) {
      if (error instanceof GuideRefusal) return page(c, { error: error.message }, 400);
      throw error;
    }
  });

  app.post("/welcome/s3", async (c) => {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const form = await readForm(c);
    const current = deps.settings.current.settings;
    const typed: Record<string, string> = {};
    for (const key of S3_KEYS) typed[key] = textField(form, key).trim();
    typed.offsite_s3_region ||= "us-east-1";
    const { offsite_s3_secret_access_key: secret, ...shown } = typed;
    try {
      const candidate: Settings = { ...current, offsite_mirror_dir: null };
      for (const key of S3_KEYS) {
        const value = key === "offsite_s3_secret_access_key" && !typed[key] ? current[key] : typed[key];
        const parsed = OFFSITE_FIELDS[key].safeParse(
          value === "" && key !== "offsite_s3_prefix" ? null : value,
        );
        if (!parsed.success || (parsed.data === null && key !== "offsite_s3_prefix"))
          throw new GuideRefusal(`${S3_LABELS[key]} is missing or not right: ${OFFSITE_ALLOWED[key]}.`);
        (candidate as Record<string, unknown>)[key] = parsed.data;
      }
      const { offsite_s3_secret_access_key: _secret, ...values } = typed;
      const change: SettingsChange = {
        values,
        ...(secret ? { secrets: { offsite_s3_secret_access_key: secret } } : {}),
      };
      return await testThenSave(c, candidate, change, "The storage", shown);
    } catch (error) {
      if (error instanceof GuideRefusal) return page(c, { error: error.message, s3Typed: shown }, 400);
      throw error;
    }
  });

  return app;
}
