/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { Auth } from "../../../auth/auth.ts";
import { signIn, signOut } from "../../../auth/sign-in.ts";
import { publicUser } from "../../../auth/users.ts";
import type { DataPaths } from "../../../config/paths.ts";
import { LoginPage } from "../../../views/auth/auth-pages.tsx";
import type { AppEnv } from "../../context.ts";
import { showProblemsWith } from "../../errors.tsx";
import { readForm, readJson, textField } from "../../forms/form.ts";
import { redirectTo, respondNoContent, respondPage } from "../../html.ts";
import { badInput } from "../../http-errors.ts";
import { clearSessionCookie, safeNext, setSessionCookie } from "../../middleware/access.ts";
import { restoredNotice } from "../backup/restored.ts";

/** Signing in and out: the sign-in page and `/api/session`. The rules are in `auth/sign-in.ts`. */
export function authRoutes(deps: { auth: Auth; paths: DataPaths }) {
  const { auth } = deps;
  /** Before the first user exists, the sign-in page says where the setup link is. */
  const firstRun = () => {
    try {
      return auth.users.count() === 0 ? { logPath: deps.paths.log } : null;
    } catch {
      return null; // The database is closed (a restore): nothing to say about users now.
    }
  };
  const app = new Hono<AppEnv>();

  async function startSession(c: Context<AppEnv>, username: string, password: string) {
    const started = await signIn(auth, { username, password, clientAddress: c.get("clientAddress") });
    setSessionCookie(c, started.token);
    return started;
  }

  function endSession(c: Context<AppEnv>): void {
    const session = c.get("session");
    if (!session) return;
    signOut(auth, session, c.get("clientAddress"));
    clearSessionCookie(c);
  }

  app.get("/login", (c) => {
    const next = safeNext(c.req.query("next"));
    if (c.get("session")) return redirectTo(c, next);
    const notice =
      restoredNotice(c.req.query("restored"), c.req.query("safety"), c.req.query("restored_at")) ??
      (c.req.query("signed-out") !== undefined ? "You are signed out." : null);
    return respondPage(
      c,
      <LoginPage assets={c.get("assets")} next={next} notice={notice} firstRun={firstRun()} />,
    );
  });

  app.post("/login", async (c) => {
    const form = await readForm(c);
    const username = textField(form, "username");
    const next = safeNext(textField(form, "next"));
    showProblemsWith(c, (c, problem) =>
      respondPage(
        c,
        <LoginPage
          assets={c.get("assets")}
          next={next}
          username={username}
          error={problem.message}
          firstRun={firstRun()}
        />,
        problem.status,
      ),
    );
    await startSession(c, username, textField(form, "password"));
    return redirectTo(c, next);
  });

  app.post("/logout", (c) => {
    endSession(c);
    return redirectTo(c, "/login?signed-out");
  });

  app.post("/api/session", async (c) => {
    const body = (await readJson(c, '{"username": …, "password": …}')) as Record<string, unknown>;
    const { username, password } = body;
    if (typeof username !== "string" || typeof password !== "string") {
      throw badInput("username and password must be texts.");
    }
    const started = await startSession(c, username, password);
    return c.json({ user: publicUser(started.user), csrfToken: started.csrfToken });
  });

  app.delete("/api/session", (c) => {
    endSession(c);
    return respondNoContent(c);
  });

  return app;
}
