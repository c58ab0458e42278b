import type { Context } from "hono";
import type { RestoreResult } from "../../backup/index.ts";
import { isPlainBackupName } from "../../backup/index.ts";
import { isHtmx, redirectTo } from "../html.ts";

/** Where to go after a restore: everyone is signed out, so to the sign-in page with what happened. */
function restoredLocation(result: RestoreResult): string {
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

/**
 * After a restore everyone is signed out: the browser goes to the sign-in page, which says what
 * happened (htmx follows `HX-Redirect`, a plain form post the 303).
 */
export function respondRestored(c: Context, result: RestoreResult) {
  if (!isHtmx(c)) return redirectTo(c, restoredLocation(result));
  c.header("HX-Redirect", restoredLocation(result));
  return c.body(null);
}
