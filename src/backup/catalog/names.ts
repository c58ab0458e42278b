import { hasControlCharacters } from "../../lib/text.ts";
import { formatFileStamp } from "../../lib/time.ts";

/** Every kind of backup: one list, which the settings (`offsite_kinds`) name too. */
export const BACKUP_KINDS = [
  "startup",
  "automatic",
  "manual",
  "pre_restore",
  "pre_update",
  "uploaded",
  "external",
] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];
/** The kinds the engine makes itself. */
export type MadeKind = Exclude<BackupKind, "external" | "uploaded">;

/** The newest startup backup's name, always; the ones before it keep their time (`keptStartupName`). */
export const STARTUP_NAME = "startup_backup.db";
export const MAX_DESCRIPTION_LENGTH = 200;
const MAX_SLUG_LENGTH = 50;

/** Letters that are not a Latin letter with a mark, written as German and Nordic writers spell them without it. */
const SPELLED: Record<string, string> = {
  ä: "ae",
  ö: "oe",
  ü: "ue",
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "oe",
  å: "aa",
  þ: "th",
  đ: "d",
  ł: "l",
};

/**
 * The description as it goes into a file name: lower case, letters with marks spelled in plain
 * Latin ("Ü" → "ue", "ß" → "ss", "é" → "e"), every run of anything else but `a-z0-9` becomes `_`,
 * trimmed of `_`, at most 50 characters. "Before inventory update!" → "before_inventory_update",
 * "Inventur Lager Ü" → "inventur_lager_ue". Empty when nothing is left.
 */
export function slugify(description: string): string {
  return description
    .toLowerCase()
    .replace(/[äöüßæœøåþđł]/g, (letter) => SPELLED[letter] ?? "")
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/_+$/, "");
}

const PREFIX: Record<Exclude<BackupKind, "startup" | "external">, string> = {
  automatic: "backup",
  manual: "manual",
  pre_restore: "pre_restore",
  pre_update: "pre_update",
  uploaded: "uploaded",
};

/**
 * The file name for a new backup (before collisions): `startup_backup.db`,
 * `backup_20250922_143000.db`, `manual_20250922_150000_inventory_update.db`,
 * `pre_restore_20250923_091500.db`, `pre_update_20250923_080000.db`,
 * `uploaded_20250924_101010_usb_copy.db`.
 */
export function backupFileName(kind: Exclude<BackupKind, "external">, at: Date, description = ""): string {
  if (kind === "startup") return STARTUP_NAME;
  const slug = kind === "manual" || kind === "uploaded" ? slugify(description) : "";
  return `${PREFIX[kind]}_${formatFileStamp(at)}${slug ? `_${slug}` : ""}.db`;
}

/** The name a startup backup keeps once a newer one takes `startup_backup.db`: `startup_YYYYMMDD_HHMMSS.db`. */
export function keptStartupName(at: Date): string {
  return `startup_${formatFileStamp(at)}.db`;
}

/** `name.db`, then `name_2.db`, `name_3.db`, … : the first that `taken` does not hold. */
export function uniqueName(name: string, taken: (candidate: string) => boolean): string {
  if (!taken(name)) return name;
  const stem = name.slice(0, -".db".length);
  for (let n = 2; ; n++) {
    const candidate = `${stem}_${n}.db`;
    if (!taken(candidate)) return candidate;
  }
}

const STAMP = "(\\d{8}_\\d{6})";
const PATTERNS: [BackupKind, RegExp][] = [
  ["startup", new RegExp(`^startup_${STAMP}(_\\d+)?\\.db$`)],
  ["automatic", new RegExp(`^backup_${STAMP}(_\\d+)?\\.db$`)],
  ["manual", new RegExp(`^manual_${STAMP}(_[a-z0-9_]+)?\\.db$`)],
  ["pre_restore", new RegExp(`^pre_restore_${STAMP}(_\\d+)?\\.db$`)],
  ["pre_update", new RegExp(`^pre_update_${STAMP}(_\\d+)?\\.db$`)],
  ["uploaded", new RegExp(`^uploaded_${STAMP}(_[a-z0-9_]+)?\\.db$`)],
];

/** The kind a file name shows, and the local time in it; any other `.db` is external. */
export function parseBackupName(name: string): { kind: BackupKind; at: Date | null } {
  if (name === STARTUP_NAME) return { kind: "startup", at: null };
  for (const [kind, pattern] of PATTERNS) {
    const stamp = pattern.exec(name)?.[1];
    if (stamp) return { kind, at: parseStamp(stamp) };
  }
  return { kind: "external", at: null };
}

function parseStamp(stamp: string): Date | null {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 9, 11, 13].map((start, i) =>
    Number(stamp.slice(start, start + (i === 0 ? 4 : 2))),
  ) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * True for a name that can only mean a file directly inside the backup folder: it ends in
 * `.db`, and has no path separator, no `..`, no NUL or other control character, and no
 * leading dot (temporary files are hidden).
 */
export function isPlainBackupName(name: string): boolean {
  return (
    name.length > 3 &&
    name.length <= 255 &&
    name.endsWith(".db") &&
    !name.startsWith(".") &&
    !/[/\\:]/.test(name) &&
    !hasControlCharacters(name) &&
    !name.includes("..")
  );
}
