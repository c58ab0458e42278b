/** @jsxImportSource hono/jsx */

/**
 * Small line icons drawn inline, so a part of a page that htmx swaps in needs no sprite URL.
 * They sit beside a word and are hidden from screen readers: the word says it.
 */
const PATHS = {
  restore: ["M3 12a9 9 0 1 0 3-6.7", "M3 4v5h5"],
  download: ["M12 3v12", "M7 10l5 5 5-5", "M4 20h16"],
  delete: ["M4 7h16", "M9 7V4h6v3", "M6 7l1 13h10l1-13"],
  good: ["M20 6L9 17l-5-5"],
  damaged: ["M18 6L6 18", "M6 6l12 12"],
  waiting: ["M12 7v5l3 2", "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z"],
  kept: ["M7 11V7a5 5 0 0 1 10 0v4", "M5 11h14v10H5z"],
  alert: [
    "M12 8v5",
    "M12 16.5v.5",
    "M10.3 3.9L2 18a2 2 0 0 0 1.7 3h16.6a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z",
  ],
} as const;

export type IconName = keyof typeof PATHS;

export function Icon(props: { name: IconName }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2.2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {PATHS[props.name].map((d) => (
        <path d={d} />
      ))}
    </svg>
  );
}
