import type { ManifestRecord } from "../backup/manifest.ts";
import { formatBytes } from "../lib/format.ts";
import { showTime } from "./format.ts";

/**
 * What a person is asked before a restore, an emergency restore or a delete: exactly what will
 * happen. The same words in the browser's dialog (htmx) and on the confirmation page (no JavaScript).
 */
export function restoreQuestion(r: ManifestRecord): string {
  return (
    `Restore ${r.name}, made ${showTime(r.createdAt)} (${formatBytes(r.size)})?\n\n` +
    "First a safety backup of the current database is taken. Then the database is replaced by this backup: " +
    `everything changed after ${showTime(r.createdAt)} will only be in the safety backup. Everyone is signed out.`
  );
}

export function deleteQuestion(r: ManifestRecord): string {
  return `Delete ${r.name}, made ${showTime(r.createdAt)}? The file is removed for good.`;
}

export const EMERGENCY_RESTORE_TEXT =
  "The newest backup that passes the full check replaces the database. " +
  "First a safety backup of the current database is taken. Everyone is signed out.";
