import type { ManifestRecord } from "../catalog/manifest.ts";
import { lookInWorker } from "../inspect/worker-client.ts";
import { appTableRefused, LookError } from "./errors.ts";
import { fileKeyOf } from "./file-key.ts";
import { shapeOf, type TableShape } from "./tables.ts";
import type { Judged } from "./tasks.ts";

/**
 * What looking inside a backup needs of the engine: the live database's path and the backup
 * folder's records and files. `BackupEngine` is one as it is.
 */
export interface LookContext {
  database: string;
  find(name: string): ManifestRecord;
  pathOf(name: string): string;
}

/** A backup that may be read: listed, verified, and its file judged by the trust rule. */
export interface OpenedBackup {
  record: ManifestRecord;
  path: string;
  fileKey: string;
  shapes: TableShape[];
  /** The shop's tables (the trust rule's `unknownTables`): every other table is the app's own. */
  shopTables: Set<string>;
}

/**
 * The trust rule's verdicts in this process, by file identity (`fileKeyOf`): each page of the
 * same file does not judge it again. Bounded: the oldest verdict goes first.
 */
const verdicts = new Map<string, Judged>();
const MAX_VERDICTS = 64;

/**
 * The backup `name`, once it may be read: listed (else `BackupNotFoundError`), its health in the
 * manifest `verified` (else `look.unverified`), and its file past the trust rule (shape and
 * schema, judged in the worker; else `look.untrusted`) before anything of it is read.
 */
export async function openForLook(ctx: LookContext, name: string): Promise<OpenedBackup> {
  const record = ctx.find(name);
  if (record.health !== "verified")
    throw new LookError(
      "look.unverified",
      `The backup ${record.name} has not passed its full check (it is ${record.health}), so it is not opened; verify it first.`,
    );
  const path = ctx.pathOf(record.name);
  let fileKey: string;
  try {
    fileKey = fileKeyOf(path);
  } catch {
    throw new LookError("look.changed", `The file of the backup ${record.name} is gone.`);
  }
  let judged = verdicts.get(fileKey);
  if (!judged) {
    judged = (await lookInWorker({ kind: "judge", path })) as Judged;
    // Judged as it was when the worker looked; a file that changed meanwhile is judged again next time.
    if (judged.fileKey === fileKey) remember(fileKey, judged);
  }
  if (!judged.check.ok)
    throw new LookError("look.untrusted", `The backup ${record.name} is not opened: ${judged.check.reason}.`);
  return {
    record,
    path,
    fileKey: judged.fileKey,
    shapes: judged.shapes,
    shopTables: new Set(judged.check.unknownTables ?? []),
  };
}

function remember(fileKey: string, judged: Judged): void {
  verdicts.set(fileKey, judged);
  for (const oldest of verdicts.keys()) {
    if (verdicts.size <= MAX_VERDICTS) break;
    verdicts.delete(oldest);
  }
}

/** The shape of a table whose rows may be shown: in the backup (`look.not_found`), not the app's own (`look.app_table`). */
export function shopTable(opened: OpenedBackup, table: string): TableShape {
  const shape = shapeOf(opened.shapes, table);
  if (!opened.shopTables.has(shape.name)) throw appTableRefused(shape.name);
  return shape;
}
