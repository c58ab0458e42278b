/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Auth } from "../../../auth/auth.ts";
import { assertMayManageRole, mayManageRole, requireRole } from "../../../auth/roles.ts";
import type { User } from "../../../auth/users.ts";
import { ROLES } from "../../../db/schema.ts";
import { AuditPage } from "../../../views/auth/audit-page.tsx";
import { UsersPage } from "../../../views/auth/users-page.tsx";
import { audited } from "../../audit.ts";
import type { AppEnv } from "../../context.ts";
import { showProblemsWith } from "../../errors.tsx";
import { readForm, textField } from "../../forms/form.ts";
import { redirectTo, respondPage } from "../../html.ts";
import { pagePropsOf, viewerOf } from "../../viewer.ts";

/** How many entries of the audit trail its page shows, newest first. */
const AUDIT_PAGE_ENTRIES = 200;

const DONE: Record<string, string> = {
  created: "User added",
  role: "Role changed",
  password: "Password set; that user's sessions have ended",
  disabled: "User disabled; their sessions have ended",
  enabled: "User enabled",
};

/** The Users page and the audit trail (admins); super administrators are managed by super administrators only. */
export function userRoutes(deps: { auth: Auth }) {
  const { auth } = deps;
  const app = new Hono<AppEnv>();

  function page(
    c: Context<AppEnv>,
    extra: { notice?: string | null; error?: string | null },
    status?: ContentfulStatusCode,
  ) {
    const role = viewerOf(c).role;
    const manageable = ROLES.filter((r) => mayManageRole(role, r));
    const users = auth.users.list();
    const activeSuperAdmins = users.filter((u) => u.role === "super_admin" && !u.disabled);
    const last = activeSuperAdmins.length === 1 ? (activeSuperAdmins[0]?.id ?? null) : null;
    return respondPage(
      c,
      <UsersPage
        {...pagePropsOf(c)}
        users={users}
        manageable={manageable}
        lastSuperAdminId={last}
        {...extra}
      />,
      status,
    );
  }

  /** Runs a change with its audit; answers with a redirect, or with the page and the reason. */
  async function change(
    c: Context<AppEnv>,
    action: string,
    target: string,
    done: string,
    run: () => Promise<User> | User,
  ) {
    showProblemsWith(c, (c, problem) => page(c, { error: problem.message }, problem.status));
    const user = await audited(c, auth, action, target, run);
    return redirectTo(c, `/users?done=${done}&name=${encodeURIComponent(user.username)}`);
  }

  /** The user of the URL, if the viewer may manage them. */
  function target(c: Context<AppEnv>): User {
    const user = auth.users.get(Number(c.req.param("id")));
    assertMayManageRole(viewerOf(c).role, user.role);
    return user;
  }

  app.get("/users", (c) => {
    const done = DONE[c.req.query("done") ?? ""];
    return page(c, { notice: done ? `${done}: ${c.req.query("name") ?? ""}.` : null });
  });

  app.post("/users", async (c) => {
    const form = await readForm(c);
    const username = textField(form, "username");
    return change(c, "user: add", username, "created", () => {
      const role = requireRole(form.role);
      assertMayManageRole(viewerOf(c).role, role);
      return auth.users.create({ username, password: textField(form, "password"), role });
    });
  });

  app.post("/users/:id/role", async (c) => {
    const form = await readForm(c);
    return change(c, `user: role ${String(form.role)}`, c.req.param("id"), "role", () => {
      const user = target(c);
      const role = requireRole(form.role);
      assertMayManageRole(viewerOf(c).role, role);
      return auth.users.setRole(user.id, role);
    });
  });

  app.post("/users/:id/password", async (c) => {
    const form = await readForm(c);
    return change(c, "user: reset password", c.req.param("id"), "password", () =>
      auth.users.setPassword(target(c).id, textField(form, "password")),
    );
  });

  app.post("/users/:id/disabled", async (c) => {
    const disabled = (await readForm(c)).disabled === "true";
    const action = disabled ? "user: disable" : "user: enable";
    return change(c, action, c.req.param("id"), disabled ? "disabled" : "enabled", () =>
      auth.users.setDisabled(target(c).id, disabled),
    );
  });

  app.get("/audit", (c) =>
    respondPage(c, <AuditPage {...pagePropsOf(c)} entries={auth.audit.newest(AUDIT_PAGE_ENTRIES)} />),
  );

  return app;
}
