/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { assetUrl } from "./assets.ts";

/** The `<html>` shell every page shares: title, icon, CSS, and htmx where the page uses it. */
export function Document(props: { title: string; htmx?: boolean; csrfToken?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.csrfToken ? <meta name="csrf-token" content={props.csrfToken} /> : null}
        <title>{`${props.title} · BusinessApp`}</title>
        <link rel="icon" href={assetUrl("favicon.svg")} type="image/svg+xml" />
        <link rel="stylesheet" href={assetUrl("app.css")} />
        {props.htmx ? <script src={assetUrl("htmx.min.js")} defer /> : null}
        {props.htmx ? <script src={assetUrl("app.js")} defer /> : null}
      </head>
      <body>{props.children}</body>
    </html>
  );
}
