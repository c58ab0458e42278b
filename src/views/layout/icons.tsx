/** @jsxImportSource hono/jsx */

/** The icons of `.glyph.i-NAME` in app.css. */
export type IconName = "restore" | "download" | "delete" | "good" | "damaged" | "waiting" | "kept" | "alert";

/**
 * A small icon beside a word. An empty span that app.css paints (a mask in the text's colour):
 * cheap to render in every row of a long list, and silent for screen readers, since the word says it.
 */
export function Icon(props: { name: IconName }) {
  return <span class={`glyph i-${props.name}`} />;
}
