import type { Context } from "hono";
import type { RestoreResult } from "../../../backup/index.ts";
import { isPlainBackupName } from "../../../backup/index.ts";
import { formatLogTime } from "../../../lib/time.ts";
import { isHtmx, redirectTo } from "../../html.ts";

/** Where to go after a restore: everyone is signed out, so to the sign-in page with what happened. */
function restoredLocation(result: RestoreResult & { point?: { at: number }; kept?: string | null }): string {
  const safety = result.safetyBackup ? `&safety=${encodeURIComponent(result.safetyBackup)}` : "";
  // A moment put back with no backup of it: the moment's time says what came back.
  if (result.point && !result.kept) return `/login?restored_at=${result.point.at}${safety}`;
  return `/login?restored=${encodeURIComponent(result.kept ?? result.restoredFrom)}${safety}`;
}

/**
 * The notice the sign-in page shows after a restore, built only from plain backup names, or from
 * the moment put back (`restoredAt`, milliseconds, shown as a local time).
 */
export function restoredNotice(
  restored: string | undefined,
  safety: string | undefined,
  restoredAt?: string,
): string | null {
  if (safety !== undefined && !isPlainBackupName(safety)) return null;
  const kept = safety ? ` A safety backup was saved as ${safety}.` : "";
  const signedOut = " Everyone was signed out: sign in again.";
  const at = restoredAt && /^\d{1,15}$/.test(restoredAt) ? Number(restoredAt) : null;
  if (at !== null)
    return `The database is back as it was at ${formatLogTime(new Date(at))}.${kept}${signedOut}`;
  if (!restored || !isPlainBackupName(restored)) return null;
  return `Restored from ${restored}.${kept}${signedOut}`;
}

/**
 * After a restore everyone is signed out: the browser goes to the sign-in page, which says what
 * happened (htmx follows `HX-Redirect`, a plain form post the 303).
 */
export function respondRestored(
  c: Context,
  result: RestoreResult & { point?: { at: number }; kept?: string | null },
) {
  if (!isHtmx(c)) return redirectTo(c, restoredLocation(result));
  c.header("HX-Redirect", restoredLocation(result));
  return c.body(null);
}
