/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";

/** Versioned URLs of the embedded files the pages link to; the web app loads the files once. */
export interface AssetUrls {
  stylesheet: string;
  favicon: string;
  icons: string;
  htmx: string;
  script: string;
}

/** The `<html>` shell every page shares: title, icon, CSS, and htmx where the page uses it. */
export function Document(props: {
  title: string;
  assets: AssetUrls;
  htmx?: boolean;
  csrfToken?: string;
  children: Child;
}) {
  const { assets } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.csrfToken ? <meta name="csrf-token" content={props.csrfToken} /> : null}
        <title>{`${props.title} · BusinessApp`}</title>
        <link rel="icon" href={assets.favicon} type="image/svg+xml" />
        <link rel="stylesheet" href={assets.stylesheet} />
        {props.htmx ? <script src={assets.htmx} defer /> : null}
        {props.htmx ? <script src={assets.script} defer /> : null}
      </head>
      <body>{props.children}</body>
    </html>
  );
}
