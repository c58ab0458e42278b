import { EXIT } from "../../app/error-codes.ts";
import {
  PREVIEW_KEYS,
  type PreviewKey,
  previewRetention,
  withRetentionValues,
} from "../../app/settings/retention-preview.ts";
import type { RetentionDecision } from "../../backup/index.ts";
import { formatLogTime } from "../../lib/time.ts";
import { type FlagSpec, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp } from "../data-command.ts";
import { formatTable } from "../table.ts";
import { DATA_FLAGS } from "../wiring.ts";

/** `--keep-daily` → `keep_daily`: the flags of the values a preview may try. */
const flagOf = (key: PreviewKey) => key.replaceAll("_", "-");

export const RETENTION_FLAGS: FlagSpec[] = [
  { name: "preview", help: "show which backups retention keeps and removes, and why; changes nothing" },
  { name: "json", help: "print the result as JSON" },
  {
    name: "max-backups",
    value: "N",
    help: "preview with N newest automatic backups kept (default: as saved)",
  },
  {
    name: "keep-daily",
    value: "N",
    help: "preview with the newest of each of the last N days (as keep_daily)",
  },
  { name: "keep-weekly", value: "N", help: "… of each of the last N weeks (as keep_weekly)" },
  { name: "keep-monthly", value: "N", help: "… of each of the last N months (as keep_monthly)" },
  { name: "keep-yearly", value: "N", help: "… of each of the last N years (as keep_yearly)" },
  ...DATA_FLAGS,
];

function table(decisions: RetentionDecision<{ name: string; kind: string; createdAt: string }>[]): string {
  if (decisions.length === 0) return "  (no backups)";
  const rows = decisions.map(({ record, keep, reason }) => [
    keep ? "stays" : "goes",
    record.name,
    record.kind,
    formatLogTime(new Date(record.createdAt)),
    reason,
  ]);
  return formatTable(["", "NAME", "KIND", "CREATED", "REASON"], rows);
}

/**
 * `retention --preview [--json] [--keep-daily N …]`: what retention would keep and remove with the
 * saved settings or the values given, here and at each off-site place as this PC recorded it
 * (`offsite.json`, no network). Nothing is removed: retention itself runs after each backup.
 */
export async function retentionCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(args, RETENTION_FLAGS);
  if (!values.preview)
    throw new UsageError("retention needs --preview (retention itself runs after every backup).");
  const app = openDataApp(values, ctx);
  const tried: Partial<Record<PreviewKey, string>> = {};
  for (const key of PREVIEW_KEYS) {
    const value = values[flagOf(key)];
    if (typeof value === "string") tried[key] = value;
  }
  const settings = withRetentionValues(app.config.settings, tried);
  const preview = previewRetention(app, settings);
  if (values.json) {
    const shown = (d: RetentionDecision<{ name: string; kind: string; createdAt: string }>) => ({
      name: d.record.name,
      kind: d.record.kind,
      createdAt: d.record.createdAt,
      keep: d.keep,
      reason: d.reason,
    });
    const answer = {
      local: preview.local.map(shown),
      places: preview.places.map((p) => ({
        label: p.label,
        where: p.where,
        backups: p.decisions.map(shown),
      })),
    };
    ctx.stdout(`${JSON.stringify(answer, null, 2)}\n`);
    return EXIT.ok;
  }
  const goes = preview.local.filter((d) => !d.keep).length;
  const lines = [
    `Here (${app.engine.backupsDir}): ${goes} of ${preview.local.length} would go.`,
    table(preview.local),
  ];
  for (const place of preview.places) {
    lines.push(
      "",
      `${place.label} (${place.where}), as this PC recorded its copies there:`,
      table(place.decisions),
    );
  }
  if (preview.places.length === 0) lines.push("", "No off-site place is set up.");
  lines.push("", "Nothing was removed: this is a preview.");
  ctx.stdout(`${lines.join("\n")}\n`);
  return EXIT.ok;
}
