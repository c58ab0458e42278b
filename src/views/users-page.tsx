/** @jsxImportSource hono/jsx */
import type { AuditEntry } from "../auth/audit.ts";
import { MIN_PASSWORD_LENGTH } from "../auth/passwords.ts";
import type { PublicUser } from "../auth/users.ts";
import type { Role } from "../db/schema.ts";
import { formatLogTime } from "../lib/time.ts";
import { CsrfField, Notice, Page, type PageProps, ROLE_LABEL } from "./layout.tsx";

function RoleSelect(props: { id: string; roles: readonly Role[]; selected?: Role }) {
  return (
    <select id={props.id} name="role">
      {props.roles.map((role) => (
        <option value={role} selected={role === props.selected}>
          {ROLE_LABEL[role]}
        </option>
      ))}
    </select>
  );
}

export function UsersPage(
  props: PageProps & {
    users: PublicUser[];
    /** Roles the viewer may give and manage. */
    manageable: readonly Role[];
    notice?: string | null;
    error?: string | null;
  },
) {
  const { viewer, manageable } = props;
  return (
    <Page title="Users" current="/users" viewer={viewer} assets={props.assets}>
      <h1>Users</h1>
      {props.notice ? <Notice kind="ok">{props.notice}</Notice> : null}
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <section class="panel" aria-labelledby="users-heading">
        <h2 id="users-heading">Everyone who can sign in</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">User name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((user) => {
              const mine = manageable.includes(user.role);
              return (
                <tr>
                  <td>{user.username}</td>
                  <td>{ROLE_LABEL[user.role]}</td>
                  <td>{user.disabled ? "Disabled" : "Active"}</td>
                  <td>{user.lastLoginAt ? formatLogTime(user.lastLoginAt) : "never"}</td>
                  <td>
                    {mine ? (
                      <>
                        <form method="post" action={`/users/${user.id}/role`}>
                          <CsrfField viewer={viewer} />
                          <label class="visually-hidden" for={`role-${user.id}`}>
                            Role of {user.username}
                          </label>
                          <RoleSelect id={`role-${user.id}`} roles={manageable} selected={user.role} />
                          <button type="submit" class="secondary">
                            Change role
                          </button>
                        </form>
                        <form method="post" action={`/users/${user.id}/password`}>
                          <CsrfField viewer={viewer} />
                          <label class="visually-hidden" for={`password-${user.id}`}>
                            New password for {user.username}
                          </label>
                          <input
                            id={`password-${user.id}`}
                            type="password"
                            name="password"
                            autocomplete="new-password"
                            placeholder="New password"
                            minlength={MIN_PASSWORD_LENGTH}
                            required
                          />
                          <button type="submit" class="secondary">
                            Set password
                          </button>
                        </form>
                        <form method="post" action={`/users/${user.id}/disabled`}>
                          <CsrfField viewer={viewer} />
                          <input type="hidden" name="disabled" value={user.disabled ? "false" : "true"} />
                          <button type="submit" class={user.disabled ? "secondary" : "danger"}>
                            {user.disabled ? "Enable" : "Disable"}
                          </button>
                        </form>
                      </>
                    ) : (
                      <span class="muted">Only a super administrator can change this user.</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section class="panel" aria-labelledby="new-user-heading">
        <h2 id="new-user-heading">Add a user</h2>
        <form method="post" action="/users">
          <CsrfField viewer={viewer} />
          <label for="new-username">User name</label>
          <input id="new-username" name="username" type="text" autocomplete="off" required />
          <label for="new-role">Role</label>
          <RoleSelect id="new-role" roles={manageable} selected="user" />
          <label for="new-password">Password (at least {MIN_PASSWORD_LENGTH} characters)</label>
          <input id="new-password" name="password" type="password" autocomplete="new-password" required />
          <div class="form-row">
            <button type="submit">Add user</button>
          </div>
        </form>
      </section>
      <p>
        <a href="/audit">Audit trail: who signed in and what they changed</a>
      </p>
    </Page>
  );
}

export function AuditPage(props: PageProps & { entries: AuditEntry[] }) {
  return (
    <Page title="Audit trail" current="/users" viewer={props.viewer} assets={props.assets}>
      <h1>Audit trail</h1>
      <section class="panel">
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">On</th>
              <th scope="col">Outcome</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((e) => (
              <tr>
                <td>{formatLogTime(e.at)}</td>
                <td>{e.username ?? "—"}</td>
                <td>{e.action}</td>
                <td>{e.target ?? ""}</td>
                <td>{e.outcome}</td>
                <td>{e.clientAddress ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Page>
  );
}
