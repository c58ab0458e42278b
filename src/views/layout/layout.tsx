/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { hasRole } from "../../auth/roles.ts";
import type { Role } from "../../db/schema.ts";
import { AlertsBanner } from "./alerts.tsx";
import { type AssetUrls, Document } from "./document.tsx";

/** Who is looking at a page: decides the sidebar and carries the CSRF token for forms and htmx. */
export interface Viewer {
  username: string;
  role: Role;
  csrfToken: string;
}

interface NavItem {
  href: string;
  label: string;
  icon: string;
  minRole: Role;
}

/** The sidebar; each viewer sees only what their role may use. */
const NAV: NavItem[] = [
  { href: "/", label: "Dashboard", icon: "dashboard", minRole: "user" },
  { href: "/backup/status", label: "Database Backup", icon: "database", minRole: "user" },
  { href: "/users", label: "Users", icon: "users", minRole: "admin" },
  { href: "/log", label: "Log", icon: "log", minRole: "admin" },
  { href: "/settings", label: "Settings", icon: "settings", minRole: "super_admin" },
];

export const ROLE_LABEL: Record<Role, string> = {
  user: "User",
  admin: "Administrator",
  super_admin: "Super administrator",
};

function Icon(props: { sprite: string; name: string }) {
  return (
    <svg class="icon" aria-hidden="true">
      <use href={`${props.sprite}#${props.name}`} />
    </svg>
  );
}

/** The hidden field that carries the CSRF token in a plain form post. */
export function CsrfField(props: { viewer: Viewer }) {
  return <input type="hidden" name="_csrf" value={props.viewer.csrfToken} />;
}

/** What every page of a signed-in person gets: who is looking, and the URLs of the embedded files. */
export interface PageProps {
  viewer: Viewer;
  assets: AssetUrls;
  /** The app's clock, for times like "2 hours ago". */
  now: Date;
}

/**
 * The frame of every signed-in page: the sidebar with what the viewer's role may use, the alerts
 * of the moment (unless the page shows them itself, refreshed in place: `banner={false}`), and the content.
 */
export function Page(props: {
  viewer: Viewer;
  assets: AssetUrls;
  title: string;
  current?: string;
  banner?: boolean;
  /** The alert the page's own status sentence says: the banner leaves it out. */
  bannerWithout?: string | undefined;
  children: Child;
}) {
  const { viewer, assets } = props;
  return (
    <Document title={props.title} assets={assets} htmx csrfToken={viewer.csrfToken}>
      <aside class="sidebar">
        <a class="brand" href="/">
          <img src={assets.favicon} alt="" width="28" height="28" />
          BusinessApp
        </a>
        <nav aria-label="Main">
          {NAV.filter((item) => hasRole(viewer.role, item.minRole)).map((item) => (
            <a href={item.href} aria-current={item.href === props.current ? "page" : undefined}>
              <Icon sprite={assets.icons} name={item.icon} />
              {item.label}
            </a>
          ))}
          <form method="post" action="/logout" class="logout">
            <CsrfField viewer={viewer} />
            <button type="submit">
              <Icon sprite={assets.icons} name="logout" />
              Log out
            </button>
          </form>
        </nav>
        <p class="signed-in">
          Signed in as <strong>{viewer.username}</strong>
          <br />
          {ROLE_LABEL[viewer.role]}
        </p>
      </aside>
      <main id="main">
        {props.banner === false ? null : (
          <AlertsBanner current={props.current} without={props.bannerWithout} />
        )}
        {props.children}
      </main>
    </Document>
  );
}

/** A short message at the top of a page: what just happened, or what went wrong. */
export function Notice(props: { kind: "ok" | "error"; children: Child }) {
  return (
    <p class={`notice notice-${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </p>
  );
}
