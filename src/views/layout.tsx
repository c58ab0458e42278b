/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { assetUrl } from "./assets.ts";
import { Document } from "./document.tsx";

export interface NavItem {
  href: string;
  label: string;
  icon: string;
}

/** The sidebar entries; each page passes only those its viewer may use. */
export const NAV_DASHBOARD: NavItem = { href: "/", label: "Dashboard", icon: "dashboard" };

function Icon(props: { name: string }) {
  return (
    <svg class="icon" aria-hidden="true">
      <use href={`${assetUrl("icons.svg")}#${props.name}`} />
    </svg>
  );
}

export function Page(props: { title: string; current?: string; nav?: NavItem[]; children: Child }) {
  const nav = props.nav ?? [NAV_DASHBOARD];
  return (
    <Document title={props.title} htmx>
      <aside class="sidebar">
        <a class="brand" href="/">
          <img src={assetUrl("favicon.svg")} alt="" width="28" height="28" />
          BusinessApp
        </a>
        <nav aria-label="Main">
          {nav.map((item) => (
            <a href={item.href} aria-current={item.href === props.current ? "page" : undefined}>
              <Icon name={item.icon} />
              {item.label}
            </a>
          ))}
        </nav>
      </aside>
      <main id="main">{props.children}</main>
    </Document>
  );
}
