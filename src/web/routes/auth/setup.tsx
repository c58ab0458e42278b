/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { Auth } from "../../../auth/auth.ts";
import { checkSetupLink, completeSetup } from "../../../auth/first-run.ts";
import type { Log } from "../../../lib/log.ts";
import { SetupExpiredPage, SetupLinkUsedPage, SetupPage } from "../../../views/auth/auth-pages.tsx";
import type { AppEnv } from "../../context.ts";
import { type ProblemView, showProblemsWith } from "../../errors.tsx";
import { readForm, textField } from "../../forms/form.ts";
import { redirectTo, respondPage } from "../../html.ts";
import { setSessionCookie } from "../../middleware/access.ts";

/**
 * How the setup page shows a refusal: an expired link gets its own page, a wrong or used one a
 * page that points to the sign-in page (still a 404), anything else the form again with the reason.
 */
function setupProblems(auth: Auth, token: string, username = ""): ProblemView {
  return (c, problem) => {
    const assets = c.get("assets");
    if (problem.code === "setup.expired")
      return respondPage(c, <SetupExpiredPage assets={assets} />, problem.status);
    if (problem.code === "setup.invalid")
      return respondPage(
        c,
        <SetupLinkUsedPage assets={assets} setUp={auth.users.count() > 0} />,
        problem.status,
      );
    return respondPage(
      c,
      <SetupPage assets={assets} token={token} username={username} error={problem.message} />,
      problem.status,
    );
  };
}

/** The first-run setup link: creates the first super administrator (see `auth/first-run.ts`). */
export function setupRoutes(deps: { auth: Auth; log: Log }) {
  const app = new Hono<AppEnv>();

  app.get("/setup", (c) => {
    const token = c.req.query("token") ?? "";
    showProblemsWith(c, setupProblems(deps.auth, token));
    checkSetupLink(deps.auth, token);
    return respondPage(c, <SetupPage assets={c.get("assets")} token={token} />);
  });

  app.post("/setup", async (c) => {
    const form = await readForm(c);
    const token = textField(form, "token");
    const username = textField(form, "username");
    showProblemsWith(c, setupProblems(deps.auth, token, username));
    const started = await completeSetup(deps, {
      token,
      username,
      password: textField(form, "password"),
      passwordAgain: textField(form, "password2"),
      clientAddress: c.get("clientAddress"),
    });
    setSessionCookie(c, started.token);
    // The first super administrator goes on to the set-up guide: protection, copies, passphrase.
    return redirectTo(c, "/welcome");
  });

  return app;
}
