import { isPlainBackupName } from "../../backup/names.ts";
import type { RestoreResult } from "../../backup/types.ts";

/** Where to go after a restore: everyone is signed out, so to the sign-in page with what happened. */
export function restoredLocation(result: RestoreResult): string {
  const safety = result.safetyBackup ? `&safety=${encodeURIComponent(result.safetyBackup)}` : "";
  return `/login?restored=${encodeURIComponent(result.restoredFrom)}${safety}`;
}

/** The notice the sign-in page shows after a restore, built only from plain backup names. */
export function restoredNotice(restored: string | undefined, safety: string | undefined): string | null {
  if (!restored || !isPlainBackupName(restored) || (safety !== undefined && !isPlainBackupName(safety)))
    return null;
  const kept = safety ? ` A safety backup was saved as ${safety}.` : "";
  return `Restored from ${restored}.${kept} Everyone was signed out: sign in again.`;
}
