export interface Row {
  name: string;
  unit: "ms" | "MiB" | "x";
  median: number;
  min: number;
  max: number;
  /** The figure must be at most this. */
  target?: number | undefined;
  /** The figure it is compared with (`sqlite3 .backup`, idle memory, …); the ratio is shown. */
  anchor?: number;
}

export function summarize(name: string, unit: Row["unit"], samples: number[], target?: number): Row {
  if (samples.length === 0) throw new Error(`${name}: no samples`);
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { name, unit, median, min: sorted[0] as number, max: sorted.at(-1) as number, target };
}

export const formatFigure = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(1) : n.toFixed(2));

/** Prints the rows as an aligned table: figure, min–max, target and pass/miss. */
export function printTable(rows: Row[]): void {
  const lines = rows.map((r) => [
    r.name,
    `${formatFigure(r.median)} ${r.unit}`,
    `${formatFigure(r.min)}–${formatFigure(r.max)}`,
    r.anchor ? `${(r.median / r.anchor).toFixed(2)}×` : "",
    r.target === undefined ? "" : `≤ ${formatFigure(r.target)} ${r.unit}`,
    r.target === undefined ? "" : r.median <= r.target ? "pass" : "MISS",
  ]);
  const header = ["measurement", "median", "min–max", "ratio", "target", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const show = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(show(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of lines) console.log(show(line));
}
