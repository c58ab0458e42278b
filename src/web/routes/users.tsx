/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { Auth } from "../../auth/auth.ts";
import { isRole, type User } from "../../auth/users.ts";
import { ROLES, type Role } from "../../db/schema.ts";
import { AppError, describeError } from "../../lib/errors.ts";
import { AuditPage, UsersPage } from "../../views/users-page.tsx";
import { mayManageRole } from "../access.ts";
import type { AppEnv } from "../context.ts";
import { readForm } from "../form.ts";
import { respondPage } from "../html.ts";
import { viewerOf } from "../viewer.ts";

const DONE: Record<string, string> = {
  created: "User added",
  role: "Role changed",
  password: "Password set; that user's sessions have ended",
  disabled: "User disabled; their sessions have ended",
  enabled: "User enabled",
};

class NotAllowedError extends AppError {
  constructor() {
    super("user.not_allowed", "Only a super administrator can manage super administrators.");
  }
}

export function userRoutes(deps: { auth: Auth }) {
  const { auth } = deps;
  const app = new Hono<AppEnv>();

  function manageable(c: Context<AppEnv>): Role[] {
    const role = viewerOf(c).role;
    return ROLES.filter((r) => mayManageRole(role, r));
  }

  function page(
    c: Context<AppEnv>,
    extra: { notice?: string | null; error?: string | null },
    status: 200 | 400 | 403 | 409 = 200,
  ) {
    return respondPage(
      c,
      <UsersPage viewer={viewerOf(c)} users={auth.users.list()} manageable={manageable(c)} {...extra} />,
      status,
    );
  }

  /** Runs a change, audits it, and answers with a redirect (success) or the page with the reason. */
  async function change(
    c: Context<AppEnv>,
    action: string,
    target: string,
    done: string,
    run: () => Promise<User> | User,
  ) {
    const session = c.get("session");
    const who = {
      userId: session?.user.id ?? null,
      username: session?.user.username ?? null,
      clientAddress: c.get("clientAddress"),
    };
    try {
      const user = await run();
      auth.audit.record({ ...who, action, target: user.username, outcome: "success" });
      return c.redirect(`/users?done=${done}&name=${encodeURIComponent(user.username)}`, 303);
    } catch (error) {
      const denied = error instanceof NotAllowedError;
      auth.audit.record({ ...who, action, target, outcome: denied ? "denied" : "failure" });
      if (!(error instanceof AppError)) throw error;
      return page(
        c,
        { error: describeError(error) },
        denied ? 403 : error.code === "user.last_super_admin" ? 409 : 400,
      );
    }
  }

  function target(c: Context<AppEnv>): User {
    const id = Number(c.req.param("id"));
    const user = Number.isSafeInteger(id) ? auth.users.findById(id) : undefined;
    if (!user) throw new AppError("user.not_found", "There is no such user.");
    if (!mayManageRole(viewerOf(c).role, user.role)) throw new NotAllowedError();
    return user;
  }

  app.get("/users", (c) => {
    const done = DONE[c.req.query("done") ?? ""];
    const name = c.req.query("name");
    return page(c, { notice: done ? `${done}: ${name ?? ""}.` : null });
  });

  app.post("/users", async (c) => {
    const form = await readForm(c);
    const username = typeof form.username === "string" ? form.username : "";
    return change(c, "user: add", username, "created", async () => {
      const role = form.role;
      if (!isRole(role)) throw new AppError("user.bad_role", "Choose a role: user, admin or super_admin.");
      if (!mayManageRole(viewerOf(c).role, role)) throw new NotAllowedError();
      return auth.users.create({
        username,
        password: typeof form.password === "string" ? form.password : "",
        role,
      });
    });
  });

  app.post("/users/:id/role", async (c) => {
    const form = await readForm(c);
    return change(c, `user: role ${String(form.role)}`, c.req.param("id"), "role", () => {
      const user = target(c);
      if (!isRole(form.role))
        throw new AppError("user.bad_role", "Choose a role: user, admin or super_admin.");
      if (!mayManageRole(viewerOf(c).role, form.role)) throw new NotAllowedError();
      return auth.users.setRole(user.id, form.role);
    });
  });

  app.post("/users/:id/password", async (c) => {
    const form = await readForm(c);
    return change(c, "user: reset password", c.req.param("id"), "password", () =>
      auth.users.setPassword(target(c).id, typeof form.password === "string" ? form.password : ""),
    );
  });

  app.post("/users/:id/disabled", async (c) => {
    const form = await readForm(c);
    const disabled = form.disabled === "true";
    return change(
      c,
      disabled ? "user: disable" : "user: enable",
      c.req.param("id"),
      disabled ? "disabled" : "enabled",
      () => auth.users.setDisabled(target(c).id, disabled),
    );
  });

  app.get("/audit", (c) =>
    respondPage(c, <AuditPage viewer={viewerOf(c)} entries={auth.audit.newest(200)} />),
  );

  return app;
}
