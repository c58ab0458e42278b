import { existsSync, linkSync, readdirSync, rmSync, statSync } from "node:fs";
import { fsyncDir } from "../../lib/files/fs-sync.ts";
import { formatBytes } from "../../lib/format.ts";
import type { ManifestRecord } from "../catalog/manifest.ts";
import { removeBackup } from "../catalog/removals.ts";
import type { EngineContext, RestoreStep } from "../context.ts";
import { identityOfFile } from "../inspect/checks.ts";
import { setRollbackJournalMode } from "../inspect/journal-header.ts";
import { takeBackup } from "./snapshot.ts";

/** The replaced database, kept as a restore's safety backup. */
export type KeptSafety =
  /** Hard-linked under a hidden name until the swap is done, then renamed to `name` (no copy). */
  | { how: "linked"; name: string; link: string }
  /** Copied (where links are not possible) and already listed as `record`. */
  | { how: "copied"; record: ManifestRecord };

/** A hidden `.pre_restore_….db.keep`: the replaced database between a restore's safety step and its end. */
const SAFETY_LINK = /^\.(pre_restore_\d{8}_\d{6}(_\d+)?\.db)\.keep$/;

/** Errors that say the file system cannot make a hard link here (another disk, FAT, some network shares). */
const NO_LINKS = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS"]);

/**
 * Keeps the closed database as the safety backup of a restore, before anything replaces it: a
 * hard link under a hidden name (the very bytes that are replaced, with nothing copied), or
 * where a link cannot be made a snapshot listed at once (`takeBackup`). Null when there is no
 * database to keep. The link becomes a listed backup only in `finishSafety`, after the swap: a
 * crash before it leaves a link that `settleSafetyLinks` sorts out at the next start.
 */
export async function keepSafety(
  ctx: EngineContext,
  by: string | null,
  beforeStep: ((step: RestoreStep) => void) | undefined,
): Promise<KeptSafety | null> {
  if (!existsSync(ctx.database)) return null;
  beforeStep?.("keep-safety");
  const name = ctx.folder.newName("pre_restore", ctx.folder.datedNow(ctx.clock()));
  const link = ctx.folder.pathOf(`.${name}.keep`);
  try {
    rmSync(link, { force: true });
    linkSync(ctx.database, link);
    fsyncDir(ctx.folder.dir);
    return { how: "linked", name, link };
  } catch (error) {
    if (!NO_LINKS.has((error as { code?: string }).code ?? "")) throw error;
  }
  const taken = await takeBackup(
    ctx,
    { kind: "pre_restore", createdBy: by },
    { salvage: true, retention: null },
  );
  return { how: "copied", record: taken.record };
}

/**
 * After the swap, the linked old database becomes the listed safety backup: switched to
 * rollback-journal mode (it was the live WAL-mode file, whole after its last checkpoint), made
 * owner-only, flushed, renamed to its name. Listed unchecked until its check; returns its record.
 */
export async function finishSafety(
  ctx: EngineContext,
  kept: Extract<KeptSafety, { how: "linked" }>,
  by: string | null,
): Promise<ManifestRecord> {
  setRollbackJournalMode(kept.link);
  const databaseId = identityOfFile(kept.link);
  // The swap is done: the file in place is the restored database.
  const restoredId = identityOfFile(ctx.database);
  await ctx.folder.moveIn(kept.link, kept.name);
  const size = statSync(ctx.folder.pathOf(kept.name)).size;
  const at = ctx.folder.datedNow(ctx.clock()).toISOString();
  const record: ManifestRecord = {
    name: kept.name,
    kind: "pre_restore",
    createdAt: at,
    size,
    description: "",
    createdBy: by,
    health: "unchecked",
    sha256: null,
    checkedAt: null,
    reason: null,
    sourceDamaged: false,
    origin: "snapshot",
    databaseId,
    // The replaced database as it was when the restore closed it.
    dataAt: at,
    restoredId,
  };
  await ctx.folder.update((records) => records.set(kept.name, record));
  ctx.log.info(`Safety backup kept: ${kept.name} (${formatBytes(size)}, the replaced database itself)`);
  return record;
}

/** Lets go of the safety backup of a restore that did not happen (the database it holds is still in place). */
export async function dropSafety(ctx: EngineContext, kept: KeptSafety): Promise<void> {
  if (kept.how === "linked") rmSync(kept.link, { force: true });
  else await removeBackup(ctx.folder, kept.record, null);
}

/**
 * At start, a safety link a crash left behind: still the database's own file (the restore had
 * not swapped yet; the database is the old one) → removed; another file (the swap was done) →
 * it is the replaced database, kept under its name for its check. Each logged.
 */
export async function settleSafetyLinks(ctx: EngineContext): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(ctx.folder.dir);
  } catch {
    return;
  }
  for (const file of names) {
    const match = SAFETY_LINK.exec(file);
    if (!match) continue;
    const link = ctx.folder.pathOf(file);
    if (sameFile(link, ctx.database)) {
      rmSync(link, { force: true });
      ctx.log.info(`Removed leftover of an interrupted restore: ${link}`);
    } else {
      await finishSafety(ctx, { how: "linked", name: match[1] as string, link }, null);
    }
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

/** Records, on a copied safety backup, the identity of the database the restore put in place. */
export async function noteRestoredIdentity(ctx: EngineContext, name: string): Promise<void> {
  const restoredId = identityOfFile(ctx.database);
  await ctx.folder.update((records) => {
    const record = records.get(name);
    if (record) records.set(name, { ...record, restoredId });
  });
}
