/** @jsxImportSource hono/jsx */
import { Icon, type IconName } from "./icons.tsx";

/**
 * An action that asks first, with and without JavaScript: htmx shows `question` in the browser's
 * dialog and then posts `vals` to `post`; without JavaScript the link opens `href`, a page that
 * asks the same question and posts the same form.
 */
export function ConfirmLink(props: {
  href: string;
  post: string;
  vals: Record<string, string>;
  question: string;
  icon: IconName;
  label: string;
  tone?: "danger";
}) {
  return (
    <a
      class={props.tone ? `button ${props.tone}` : "button"}
      href={props.href}
      hx-post={props.post}
      hx-vals={JSON.stringify(props.vals)}
      hx-confirm={props.question}
    >
      <Icon name={props.icon} />
      {props.label}
    </a>
  );
}
