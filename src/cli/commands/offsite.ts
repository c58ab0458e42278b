import { EXIT } from "../../app/error-codes.ts";
import type { App } from "../../app.ts";
import { newestFirst } from "../../backup/index.ts";
import { formatBytes } from "../../lib/format.ts";
import { formatLogTime } from "../../lib/time.ts";
import type { RemoteCopy } from "../../offsite/copies/copies.ts";
import { OffsiteError, OffsiteNotConfiguredError } from "../../offsite/errors.ts";
import type { TargetId } from "../../offsite/places/target.ts";
import { foreignWords, UNAUTHENTICATED } from "../../offsite/places/targets.ts";
import type { OffsiteService } from "../../offsite/service.ts";
import { type FlagSpec, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp, reportFailure, whileShowing } from "../data-command.ts";
import type { Progress } from "../progress.ts";
import { formatTable } from "../table.ts";
import { DATA_FLAGS } from "../wiring.ts";

const OFFSITE_FLAGS: FlagSpec[] = [{ name: "json", help: "offsite status: print JSON" }, ...DATA_FLAGS];

const ACTIONS = ["test", "status", "sync"] as const;

/** The copy on its way, as a progress line. */
export function copyProgress(offsite: OffsiteService): () => Progress | null {
  return () => {
    const p = offsite.progress();
    return p ? { label: `Copying ${p.name} to ${p.target.label}`, done: p.done, total: p.total } : null;
  };
}

/** `offsite test | status [--json] | sync`: off-site copies from the command line. */
export async function offsiteCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseFlags(args, OFFSITE_FLAGS, 1);
  const action = positionals[0];
  if (!ACTIONS.includes(action as (typeof ACTIONS)[number]))
    throw new UsageError("Give what to do: offsite test, offsite status or offsite sync.");
  if (values.json && action !== "status") throw new UsageError("--json goes with offsite status only.");
  const app = openDataApp(values, ctx);
  if (!app.offsite.configured) {
    ctx.stderr(`${new OffsiteNotConfiguredError().message}.\n`);
    return EXIT.usage;
  }
  try {
    if (action === "test") return await testTargets(app, ctx);
    if (action === "sync") return await syncTargets(app, ctx);
    return await showStatus(app, ctx, Boolean(values.json));
  } catch (error) {
    return reportFailure(ctx, `offsite ${action} failed`, error);
  }
}

async function testTargets(app: App, ctx: CliContext): Promise<number> {
  const tests = await app.offsite.test();
  for (const t of tests)
    ctx.stdout(`${t.ok ? "ok     " : "FAILED "} ${t.label} (${t.where}): ${t.message}\n`);
  return tests.every((t) => t.ok) ? EXIT.ok : EXIT.failed;
}

async function syncTargets(app: App, ctx: CliContext): Promise<number> {
  const results = await whileShowing(ctx, copyProgress(app.offsite), () =>
    app.offsite.syncAfterOthers(() => ctx.stderr("Waiting for the app's off-site copy to finish…\n")),
  );
  for (const { target, report, error } of results) {
    const where = `${target.label} (${target.where})`;
    if (error || !report) ctx.stdout(`FAILED  ${where}: ${error?.message ?? "stopped"}\n`);
    else {
      const foreign = report.foreign.length > 0 ? `; ${foreignWords(report.foreign.length)}` : "";
      ctx.stdout(
        `ok      ${where}: ${report.copied.length} copied, ${report.removed.length} removed; ${report.copies.length} there${foreign}\n`,
      );
    }
  }
  return results.every((r) => r.error === null) ? EXIT.ok : EXIT.failed;
}

interface Row {
  name: string;
  kind: string;
  createdAt: string;
  size: number;
  /** The local backup's health, or null when it is not here. */
  here: string | null;
  offsite: { target: TargetId; copiedAt: string; encrypted: boolean; proven: boolean }[];
}

/** Local backups and off-site copies side by side, newest first. */
async function showStatus(app: App, ctx: CliContext, json: boolean): Promise<number> {
  const rows = new Map<string, Row>();
  for (const r of app.engine.list()) {
    rows.set(r.name, {
      name: r.name,
      kind: r.kind,
      createdAt: r.createdAt,
      size: r.size,
      here: r.health,
      offsite: [],
    });
  }
  const targets = [];
  for (const target of app.offsite.targets()) {
    let copies: RemoteCopy[] = [];
    let error: string | null = null;
    try {
      copies = await app.offsite.contents(target.id);
    } catch (failure) {
      if (!(failure instanceof OffsiteError)) throw failure;
      error = failure.message;
    }
    const known = app.offsite.status()?.targets.find((t) => t.target === target.id);
    targets.push({
      target: target.id,
      label: target.label,
      where: target.where,
      ok: error === null,
      error,
      copies: copies.length,
      foreignObjects: known?.foreignObjects ?? null,
      authenticated: app.offsite.encrypted,
      needsPassphrase: known?.needsPassphrase ?? false,
    });
    for (const c of copies) {
      const row = rows.get(c.name) ?? {
        name: c.name,
        kind: c.kind,
        createdAt: c.createdAt,
        size: c.size,
        here: null,
        offsite: [],
      };
      row.offsite.push({ target: target.id, copiedAt: c.copiedAt, encrypted: c.encrypted, proven: c.proven });
      rows.set(c.name, row);
    }
  }
  const sorted = [...rows.values()].sort(newestFirst);
  if (json) {
    const out = {
      encrypted: app.offsite.encrypted,
      targets: targets.map(({ label: _, ...t }) => t),
      backups: sorted,
    };
    ctx.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const t of targets) {
      const notes = [
        ...(t.foreignObjects ? [foreignWords(t.foreignObjects)] : []),
        ...(t.ok && !t.authenticated && !t.needsPassphrase ? [UNAUTHENTICATED] : []),
      ];
      const facts = t.error ?? [t.copies === 1 ? "1 copy" : `${t.copies} copies`, ...notes].join("; ");
      ctx.stdout(`${t.ok ? "ok    " : "FAILED"}  ${t.label} (${t.where}): ${facts}\n`);
    }
    const ids = targets.map((t) => t.target);
    const copied = (row: Row, id: TargetId) => {
      const place = row.offsite.find((p) => p.target === id);
      if (!place) return "—";
      const how = [...(place.encrypted ? ["age"] : []), ...(place.proven ? [] : ["not proven"])];
      return `${formatLogTime(new Date(place.copiedAt))}${how.length ? ` (${how.join(", ")})` : ""}`;
    };
    const header = [
      "NAME",
      "KIND",
      "CREATED",
      "SIZE",
      "HERE",
      ...ids.map((id) => (id === "s3" ? "S3" : "MIRROR")),
    ];
    const cells = sorted.map((r) => [
      r.name,
      r.kind,
      formatLogTime(new Date(r.createdAt)),
      formatBytes(r.size),
      r.here ?? "—",
      ...ids.map((id) => copied(r, id)),
    ]);
    ctx.stdout(`\n${formatTable(header, cells)}\n`);
  }
  return targets.every((t) => t.ok) ? EXIT.ok : EXIT.failed;
}
