/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { CsrfField, type Viewer } from "./layout.tsx";

/** A form that posts in place with htmx and still works as a plain post without JavaScript. */
export function ActionForm(props: {
  viewer: Viewer;
  action: string;
  fields?: Record<string, string>;
  /** For a file upload. */
  multipart?: boolean;
  id?: string;
  /** Kept as the person left it (typed text, a chosen file) when the area around it is swapped; needs `id`. */
  preserve?: boolean;
  children: Child;
}) {
  const encoding = props.multipart
    ? ({ enctype: "multipart/form-data", "hx-encoding": "multipart/form-data" } as const)
    : {};
  return (
    <form
      method="post"
      action={props.action}
      hx-post={props.action}
      hx-target="#backup-area"
      hx-swap="outerHTML"
      id={props.id}
      {...(props.preserve ? { "hx-preserve": "true" } : {})}
      {...encoding}
    >
      <CsrfField viewer={props.viewer} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      {props.children}
    </form>
  );
}
