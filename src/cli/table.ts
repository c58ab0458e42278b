import { escapeControlCharacters } from "../lib/text.ts";

/**
 * Rows under a header, in columns two spaces apart; the last column is not padded. Control
 * characters in cells are printed as escapes, so no text can move the cursor or fake a row.
 */
export function formatTable(header: string[], rows: string[][]): string {
  const safe = rows.map((row) => row.map(escapeControlCharacters));
  const widths = header.map((h, i) => Math.max(h.length, ...safe.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...safe.map(line)].join("\n");
}
