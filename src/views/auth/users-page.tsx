/** @jsxImportSource hono/jsx */
import { MIN_PASSWORD_LENGTH } from "../../auth/passwords.ts";
import type { PublicUser } from "../../auth/users.ts";
import type { Role } from "../../db/schema.ts";
import { CsrfField, Notice, Page, type PageProps, ROLE_LABEL, type Viewer } from "../layout/layout.tsx";
import { Time } from "../layout/when.tsx";

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

/**
 * What the viewer may change about one user, each change a small form on one line. The last
 * active super administrator cannot lose the role or be disabled (the app would refuse), so
 * those are not offered.
 */
function UserChanges(props: {
  viewer: Viewer;
  user: PublicUser;
  manageable: readonly Role[];
  last: boolean;
}) {
  const { viewer, user, manageable } = props;
  return (
    <div class="user-changes">
      {props.last ? null : (
        <form method="post" action={`/users/${user.id}/role`} class="inline-form">
          <CsrfField viewer={viewer} />
          <label class="visually-hidden" for={`role-${user.id}`}>
            Role of {user.username}
          </label>
          <RoleSelect id={`role-${user.id}`} roles={manageable} selected={user.role} />
          <button type="submit" class="secondary">
            Change role
          </button>
        </form>
      )}
      <form method="post" action={`/users/${user.id}/password`} class="inline-form">
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
      {props.last ? null : (
        <form method="post" action={`/users/${user.id}/disabled`} class="inline-form">
          <CsrfField viewer={viewer} />
          <input type="hidden" name="disabled" value={user.disabled ? "false" : "true"} />
          <button type="submit" class={user.disabled ? "secondary" : "danger"}>
            {user.disabled ? "Enable" : "Disable"}
          </button>
        </form>
      )}
      {props.last ? (
        <p class="muted small">
          The only active super administrator: to change their role or disable them, make another super
          administrator first.
        </p>
      ) : null}
    </div>
  );
}

export function UsersPage(
  props: PageProps & {
    users: PublicUser[];
    /** Roles the viewer may give and manage. */
    manageable: readonly Role[];
    /** The last active super administrator, who must stay one; null when there are several. */
    lastSuperAdminId: number | null;
    notice?: string | null;
    error?: string | null;
  },
) {
  const { viewer, manageable, now } = props;
  return (
    <Page title="Users" current="/users" viewer={viewer} assets={props.assets}>
      <h1>Users</h1>
      {props.notice ? <Notice kind="ok">{props.notice}</Notice> : null}
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <section class="panel list-panel" aria-labelledby="users-heading">
        <h2 id="users-heading">Everyone who can sign in</h2>
        <table class="stack-table users-table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((user) => (
              <tr>
                <td class="user">
                  <span class="title">{user.username}</span>
                  <span class="about">
                    {ROLE_LABEL[user.role]} ·{" "}
                    {user.disabled ? <span class="status-bad">Disabled</span> : "Active"}
                  </span>
                  <span class="about">
                    Last signed in: {user.lastLoginAt ? <Time at={user.lastLoginAt} now={now} /> : "never"}
                  </span>
                </td>
                <td class="changes">
                  {manageable.includes(user.role) ? (
                    <UserChanges
                      viewer={viewer}
                      user={user}
                      manageable={manageable}
                      last={user.id === props.lastSuperAdminId}
                    />
                  ) : (
                    <span class="muted">Only a super administrator can change this user.</span>
                  )}
                </td>
              </tr>
            ))}
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
