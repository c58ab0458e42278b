import type { BackupHealth, BackupKind, HealthRecord, ManifestRecord } from "../../backup/index.ts";
import { isUnknownUserName } from "../../lib/text.ts";

/** A backup's kind as its title when it has no description. */
export const KIND_TITLE: Record<BackupKind, string> = {
  startup: "At start",
  automatic: "Automatic backup",
  manual: "Manual backup",
  pre_restore: "Before restore",
  pre_update: "Before an update",
  uploaded: "Uploaded backup",
  external: "Copied into the folder",
};

/** What a backup is, in the words its row leads with: the description, or the kind. */
export function backupTitle(r: Pick<ManifestRecord, "description" | "kind">): string {
  return r.description || KIND_TITLE[r.kind] || "Backup";
}

export const HEALTH_WORD: Record<BackupHealth, string> = {
  verified: "Good",
  damaged: "Damaged",
  unchecked: "Not checked yet",
};

/** The live database's health in words, as the status panel and the dashboard say it. */
export function databaseHealthWord(health: HealthRecord | null, recoveryMode = false): string {
  if (recoveryMode) return "Cannot be used (recovery mode)";
  if (!health) return HEALTH_WORD.unchecked;
  return health.ok ? HEALTH_WORD.verified : `${HEALTH_WORD.damaged}: ${health.reason}`;
}

/** The colour of that word: green only once a check found the database good, neutral before any check. */
export function healthClass(health: HealthRecord | null, recoveryMode = false): string {
  if (recoveryMode || (health && !health.ok)) return "status-bad";
  return health ? "status-ok" : "muted";
}

/**
 * Who made a backup, in words. `createdBy` holds a user name, or what the app writes for its own
 * makers: "startup", "scheduler", "recovery page", and the command line's
 * "command line (USER)". Null when nobody is known (a file copied in by hand).
 */
export function madeBy(createdBy: string | null): string | null {
  if (!createdBy) return null;
  if (createdBy === "startup") return "made by BusinessApp at start";
  if (createdBy === "scheduler") return "made on schedule";
  if (createdBy === "recovery page") return "made from the recovery page";
  const commandLine = /^command line(?: \((.+)\))?$/.exec(createdBy);
  if (commandLine) {
    const user = commandLine[1]?.trim();
    // Entries of older versions may say "(unknown)": nobody is named then.
    return user && !isUnknownUserName(user) ? `by the command line, as user ${user}` : "by the command line";
  }
  return `by ${createdBy}`;
}
