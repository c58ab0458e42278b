/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { Child } from "hono/jsx";
import { emergencyKit, kitText } from "../../../app/settings/emergency-kit.ts";
import type { PassphraseKeeper } from "../../../app/settings/passphrase.ts";
import type { Auth } from "../../../auth/auth.ts";
import type { DataPaths } from "../../../config/paths.ts";
import { typedFingerprint } from "../../../offsite/crypto/passphrase.ts";
import { Page } from "../../../views/layout/layout.tsx";
import { EmergencyKitPage, PassphraseCheckForm } from "../../../views/offsite/passphrase.tsx";
import { audited } from "../../audit.ts";
import type { AppEnv } from "../../context.ts";
import type { SettingsPort } from "../../deps.ts";
import { showProblemsWith } from "../../errors.tsx";
import { readForm, textField } from "../../forms/form.ts";
import { isHtmx, redirectTo, respondFragment, respondPage } from "../../html.ts";
import { pagePropsOf, viewerOf } from "../../viewer.ts";

/**
 * The emergency kit (super administrators: it says where the copies are) as a page to print and
 * as a text file, and the passphrase check any administrator may do: type it, and the app proves
 * it against the saved one and every place's key.
 */
export function passphraseRoutes(deps: {
  passphrase: PassphraseKeeper;
  settings: SettingsPort;
  paths: DataPaths;
  auth: Auth;
  version: string;
}) {
  const app = new Hono<AppEnv>();
  const kitOf = (c: Context<AppEnv>) =>
    emergencyKit({
      settings: deps.settings.current.settings,
      dataDir: deps.paths.dataDir,
      fingerprint: deps.passphrase.status().fingerprint,
      version: deps.version,
      platform: process.platform,
      now: c.get("clock")(),
    });

  app.get("/settings/emergency-kit", (c) =>
    respondPage(
      c,
      <EmergencyKitPage
        {...pagePropsOf(c)}
        sections={kitOf(c)}
        justSaved={c.req.query("saved") !== undefined}
      />,
    ),
  );

  app.get("/settings/emergency-kit.txt", (c) => {
    c.header("Content-Disposition", 'attachment; filename="BusinessApp-emergency-kit.txt"');
    c.header("Cache-Control", "no-store");
    return c.body(kitText(kitOf(c)), 200, { "Content-Type": "text/plain; charset=utf-8" });
  });

  app.post("/passphrase/check", async (c) => {
    const viewer = viewerOf(c);
    const typed = textField(await readForm(c), "passphrase");
    const answer = (form: Child, status?: 200 | 400) =>
      isHtmx(c)
        ? respondFragment(c, form, status)
        : respondPage(
            c,
            <Page viewer={viewer} assets={c.get("assets")} title="Check the passphrase">
              <h1>Check the passphrase</h1>
              {form}
            </Page>,
            status,
          );
    showProblemsWith(c, async (_c, problem) => {
      // Only a passphrase that is not the one set shows its fingerprint, to compare with the kit.
      const notSet = deps.passphrase.status().set && !(await deps.passphrase.isSaved(typed));
      return answer(
        <PassphraseCheckForm
          viewer={viewer}
          error={problem.message}
          typedFingerprint={notSet && typed ? await typedFingerprint(typed) : null}
        />,
        400,
      );
    });
    const checked = await audited(c, deps.auth, "passphrase: check", null, () =>
      deps.passphrase.confirm(typed, viewer.username),
    );
    if (!isHtmx(c)) return redirectTo(c, "/?passphrase=checked");
    const away = checked.unreachable.length
      ? ` ${checked.unreachable.join(" and ")} could not be reached now, so it was checked against the other copies.`
      : "";
    return answer(
      <PassphraseCheckForm
        viewer={viewer}
        notice={`The passphrase is right, and it opens the off-site copies. Thank you.${away}`}
      />,
    );
  });

  return app;
}
