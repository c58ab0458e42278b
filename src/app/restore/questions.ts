import type { ManifestRecord, PointInTime, RestorePreview } from "../../backup/index.ts";
import { showTime } from "../../lib/time.ts";

/**
 * What a person is asked before a restore, an emergency restore or a delete: exactly what will
 * happen. The same words on the confirmation pages (the Database Backup page, the recovery page)
 * and at the command line.
 */

/**
 * A restore's question as sentences: which backup, when its data is from, what is lost, what
 * happens to the people signed in. `emergency`: Emergency Restore's choice, which the restore
 * takes only if it is still the newest good backup then.
 */
export function restoreSentences(p: RestorePreview, options: { emergency: boolean }): string[] {
  const copy = p.where ? `, from its copy ${p.where}` : "";
  const described = p.description ? ` (“${p.description}”)` : "";
  const lines = [
    `${options.emergency ? "Emergency Restore puts back the newest good backup of this database" : "This puts back"}: ${p.name}${described}${copy}, with its data from ${showTime(p.dataAt)}.`,
    p.nowUnknown
      ? `The database now: ${p.nowUnknown}.`
      : `Changes made since ${showTime(p.dataAt)} are lost: a safety backup of the database as it is now is taken first, and only it keeps them.`,
    "Everyone is signed out, and signs in again with the users of the backup.",
  ];
  if (options.emergency)
    lines.push(
      "If this backup fails its full check now, or a newer one appears, nothing is restored and you are asked again.",
    );
  return lines;
}

/**
 * The question before going back to a moment (`previewPoint`): the exact moment it puts back (the
 * last change captured at or before the one chosen) and the next one after it, what is lost,
 * and what happens to the people signed in.
 */
export function pointSentences(point: PointInTime): string[] {
  const at = showTime(new Date(point.at));
  const next = point.next
    ? ` The next change was captured at ${showTime(new Date(point.next))}.`
    : " Nothing was captured after it.";
  return [
    `This puts the database back as it was at ${at}, after the last change captured at or before the moment you chose.${next}`,
    `Changes made since ${at} are lost: a safety backup of the database as it is now is taken first, and only it keeps them.`,
    "Everyone is signed out, and signs in again with the users of that moment.",
  ];
}

/** A count of rows as shown: "1,204", or "not known". */
export function rowCount(n: number | null): string {
  return n === null ? "not known" : n.toLocaleString("en-US");
}

/** The rows of each table now and after, one line each ("items: 1,204 now → 1,180 after"). */
export function rowChangeLines(p: RestorePreview): string[] {
  return p.tables.map((t) => `${t.name}: ${rowCount(t.now)} now → ${rowCount(t.after)} after`);
}

export function deleteQuestion(r: ManifestRecord): string {
  return `Delete ${r.name}, made ${showTime(r.createdAt)}? The file is removed for good.`;
}
