import { renameSync, statSync } from "node:fs";
import { fsyncDir } from "../../lib/files/fs-sync.ts";
import { whileInUse } from "../../lib/files/sharing.ts";
import { sha256File } from "../../lib/hash.ts";
import type { BackupFolder } from "./folder.ts";
import type { BroughtIn } from "./manifest.ts";
import { keptStartupName, parseBackupName, STARTUP_NAME, uniqueName } from "./names.ts";

/**
 * Backups arriving in the folder from elsewhere (an off-site copy brought in), and the startup
 * backup moved aside for the next one. Writing functions are called by the engine while it holds
 * the operation lock.
 */

/**
 * How a file with SHA-256 `sha256`, to be brought in as `name`, meets the folder: "same" when
 * the folder holds those very bytes (by the SHA-256 recorded, else the file's now); "free" when
 * there is no such backup, or it is damaged and was, when made, this same backup (or is of
 * unknown bytes): it may be replaced; "taken" when another file has the name (a file copied in
 * by hand, another backup), which is never replaced.
 */
export async function compareIncoming(
  folder: BackupFolder,
  name: string,
  sha256: string,
): Promise<"same" | "free" | "taken"> {
  const here = folder.list().find((r) => r.name === name);
  if (!here || (here.health === "damaged" && (here.sha256 ?? sha256) === sha256)) return "free";
  return (here.sha256 ?? (await sha256File(folder.pathOf(name)))) === sha256 ? "same" : "taken";
}

/**
 * Renames a finished file in as the backup `name` (`replace`) and records what is known of it
 * (`BroughtIn`): listed unchecked, so the restore that follows gives it the full check.
 */
export async function bringIn(
  folder: BackupFolder,
  temp: string,
  name: string,
  about: BroughtIn,
): Promise<void> {
  const size = statSync(temp).size;
  await folder.replace(temp, name);
  await folder.update((records) =>
    records.set(name, {
      name,
      kind: parseBackupName(name).kind,
      createdAt: about.createdAt,
      size,
      description: about.description,
      createdBy: about.createdBy,
      health: about.checked ? "verified" : "unchecked",
      sha256: about.sha256,
      checkedAt: about.checked?.at ?? null,
      reason: null,
      sourceDamaged: false,
      ...(about.origin ? { origin: about.origin } : {}),
      databaseId: about.databaseId,
      dataAt: about.dataAt,
      ...(about.rowCounts ? { rowCounts: about.rowCounts } : {}),
      ...(about.checked
        ? {
            fullCheck: { sha256: about.sha256, at: about.checked.at },
            unknownTables: about.checked.unknownTables,
          }
        : {}),
    }),
  );
}

/**
 * Before a new startup backup takes `startup_backup.db`: the one there is kept under its own time
 * (`startup_YYYYMMDD_HHMMSS.db`), its record moved with it, so no startup backup is ever replaced
 * (retention removes old ones, those of this database only). A crash between leaves both whole.
 * Returns the kept name, or null when there was none.
 */
export async function keepPreviousStartup(folder: BackupFolder): Promise<string | null> {
  const listing = folder.list();
  const current = listing.find((r) => r.name === STARTUP_NAME);
  if (!current) return null;
  const names = new Set(listing.map((r) => r.name));
  const kept = uniqueName(keptStartupName(new Date(current.dataAt ?? current.createdAt)), (n) =>
    names.has(n),
  );
  const from = folder.pathOf(STARTUP_NAME);
  try {
    await whileInUse(from, () => renameSync(from, folder.pathOf(kept)), folder.wait);
    fsyncDir(folder.dir);
  } finally {
    folder.forget();
  }
  await folder.update((records) => {
    records.delete(STARTUP_NAME);
    records.set(kept, { ...current, name: kept });
  });
  return kept;
}
