/**
 * `bun bench/growth.ts FILE.json…`: the main figures of `npm run bench -- --json FILE` as a
 * markdown table, one column per database size (README, "How each cost grows"). Files are read
 * in order; a figure measured again in a later file replaces the earlier one.
 */
import { readFileSync } from "node:fs";
import { formatFigure, type Row } from "./table.ts";

/** The figures shown, in order: the words after "N MB: " in a row's name, and what to call them. */
const FIGURES: [string, string][] = [
  ["snapshot alone, Bun (VACUUM INTO in the worker, flushed)", "snapshot alone (Bun)"],
  ["sqlite3 .backup", "`sqlite3 .backup`"],
  [
    "whole verified backup, Bun (engine, serving: snapshot, check and hash, rename, manifest)",
    "verified backup (Bun)",
  ],
  [
    "whole verified backup, Deno (engine, serving: snapshot, check and hash, rename, manifest)",
    "verified backup (Deno)",
  ],
  [
    "business-app backup (executable: snapshot, full check, exit)",
    "`business-app backup` (with its full check)",
  ],
  ["restore, Bun, whole (until the app answers again)", "restore in the app (Bun)"],
  ["business-app restore NAME --yes (executable)", "`business-app restore NAME --yes`"],
  ["cp of that backup over the database (+ flush)", "`cp` + flush"],
  ["  longest wait between two progress lines of a step, backup", "longest wait between progress lines"],
  ["Bun: memory growth during a backup", "memory growth, backup (Bun)"],
  ["Deno: memory growth during a backup", "memory growth, backup (Deno)"],
  ["Bun: /api/health p99 during the startup backup", "`/api/health` p99 during a backup (Bun)"],
  ["Bun: longest commit of a concurrent writer during the backup", "longest commit meanwhile (Bun)"],
  ["Bun: copy to the mirror folder, plain", "off-site copy, mirror, plain (Bun)"],
  // The count of changes is what the chain held; figures of runs with other counts go in one row.
  ["restore --at now (executable; base and N changes)", "`restore --at now`"],
  ["look inside: first summary (judges the file, counts both)", "look inside: first summary"],
  ["look inside: full count of the difference (worker)", "look inside: full count of a difference"],
];

const figures = new Map<string, Map<number, Row>>();
const sizes = new Set<number>();
for (const file of process.argv.slice(2)) {
  const { rows } = JSON.parse(readFileSync(file, "utf8")) as { rows: Row[] };
  for (const row of rows) {
    const match = /^(\d+) MB: (.+)$/.exec(row.name);
    if (!match) continue;
    const size = Number(match[1]);
    sizes.add(size);
    const key = (match[2] as string).replace(/base and \d+ changes\)$/, "base and N changes)");
    const byName = figures.get(key) ?? new Map<number, Row>();
    byName.set(size, row);
    figures.set(key, byName);
  }
}
if (sizes.size === 0) {
  console.error("usage: bun bench/growth.ts FIGURES.json… (written by npm run bench -- --json FILE)");
  process.exit(2);
}

const columns = [...sizes].sort((a, b) => a - b);
const cell = (row: Row | undefined) => {
  if (!row) return "";
  const ratio = row.anchor ? ` (${(row.median / row.anchor).toFixed(2)}×)` : "";
  const mark = row.target !== undefined && row.median > row.target ? " MISS" : "";
  return `${formatFigure(row.median)} ${row.unit}${ratio}${mark}`;
};
console.log(`| figure (median) | ${columns.map((s) => `${s} MB`).join(" | ")} |`);
console.log(`|---|${columns.map(() => "---:").join("|")}|`);
for (const [key, title] of FIGURES) {
  const bySize = figures.get(key);
  if (bySize) console.log(`| ${title} | ${columns.map((s) => cell(bySize.get(s))).join(" | ")} |`);
}
