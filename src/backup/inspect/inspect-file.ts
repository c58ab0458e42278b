import { statSync } from "node:fs";
import { sha256File } from "../../lib/hash.ts";
import { describeBackupFile } from "./checks.ts";
import { checkRestorable } from "./trust.ts";
import type { InspectResult } from "./worker-protocol.ts";

/**
 * The full check of a backup file (`checkRestorable`: its shape, the trust rule, SQLite's
 * `integrity_check`), with its size and SHA-256, and for a file that passed its rows per table
 * and the identity of its database. Only reads the file; `mapped` as for `checkRestorable`.
 * Loaded only where it runs (the trust rule brings the migrator, which a snapshot never needs).
 */
export async function inspectFile(path: string, options: { mapped?: boolean } = {}): Promise<InspectResult> {
  const check = checkRestorable(path, { mapped: options.mapped === true });
  let sha256: string | null = null;
  let size = 0;
  try {
    size = statSync(path).size;
    sha256 = await sha256File(path);
  } catch {
    // Unreadable: the check above already says why.
  }
  // Counted here, in the full check that follows every new backup, rather than while it is
  // made: a backup's time stays what it was, and a restore drill compares with these counts.
  const described = check.ok ? describeBackupFile(path) : null;
  return {
    check,
    sha256,
    size,
    rowCounts: described?.rowCounts ?? null,
    databaseId: described?.databaseId ?? null,
  };
}
