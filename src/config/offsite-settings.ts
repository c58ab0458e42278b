import { isAbsolute } from "node:path";
import { z } from "zod";
import { BACKUP_KINDS } from "../backup/index.ts";
import { hasControlCharacters } from "../lib/text.ts";

/**
 * The settings of off-site copies, part of the one schema (`schema.ts` spreads them in): what
 * each accepts, in words, and what it is for.
 */

/** The kinds of backups, as the settings name them: the engine's own list. */
export const KIND_NAMES = BACKUP_KINDS;

/** Settings whose values are secrets: never shown, logged or returned, only "set" or "not set". */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  "offsite_s3_secret_access_key",
  "offsite_passphrase",
  "smtp_password",
]);

const PRINTABLE = /^[\x21-\x7e]+$/;
const BUCKET = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^([A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]*$/;

/** An S3 endpoint: an http or https address with no path of its own. */
function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.pathname === "/" && !url.search;
  } catch {
    return false;
  }
}

const keepLimit = z.number().int().min(1).max(100000);
const periodLimit = z.number().int().min(0).max(100000);

/** The off-site settings' fields of the schema. */
export const OFFSITE_FIELDS = {
  offsite_mirror_dir: z
    .string()
    .trim()
    .refine((v) => isAbsolute(v) && !hasControlCharacters(v))
    .nullable()
    .default(null),
  offsite_s3_endpoint: z.string().trim().refine(isHttpUrl).nullable().default(null),
  offsite_s3_bucket: z.string().trim().regex(BUCKET).nullable().default(null),
  offsite_s3_region: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,64}$/)
    .default("us-east-1"),
  offsite_s3_prefix: z
    .string()
    .trim()
    .max(200)
    .regex(PREFIX)
    .refine((v) => !v.split("/").includes(".."))
    .default(""),
  offsite_s3_access_key_id: z.string().trim().max(256).regex(PRINTABLE).nullable().default(null),
  offsite_s3_secret_access_key: z.string().max(256).regex(PRINTABLE).nullable().default(null),
  offsite_passphrase: z
    .string()
    .min(12)
    .max(1024)
    .refine((v) => !hasControlCharacters(v))
    .nullable()
    .default(null),
  offsite_kinds: z.array(z.enum(KIND_NAMES)).default(KIND_NAMES.filter((kind) => kind !== "pre_restore")),
  offsite_max_backups: keepLimit.nullable().default(null),
  offsite_max_manual_backups: z
    .union([z.literal("unlimited"), keepLimit])
    .nullable()
    .default(null),
  offsite_max_pre_restore_backups: keepLimit.nullable().default(null),
  offsite_max_pre_update_backups: keepLimit.nullable().default(null),
  offsite_max_startup_backups: keepLimit.nullable().default(null),
  offsite_keep_daily: periodLimit.nullable().default(null),
  offsite_keep_weekly: periodLimit.nullable().default(null),
  offsite_keep_monthly: periodLimit.nullable().default(null),
  offsite_keep_yearly: periodLimit.nullable().default(null),
  offsite_passphrase_check_days: z.number().int().min(0).max(3650).default(90),
  offsite_timeout_seconds: z.number().int().min(1).max(600).default(30),
  offsite_run_minutes: z.number().int().min(1).max(10080).default(360),
};

type OffsiteKey = keyof typeof OFFSITE_FIELDS;

export const OFFSITE_ALLOWED: Record<OffsiteKey, string> = {
  offsite_mirror_dir:
    "the full path of an existing folder on another disk, such as /media/usb/shop-backups or E:\\Backups",
  offsite_s3_endpoint: "the service's address, such as https://s3.eu-central-003.backblazeb2.com",
  offsite_s3_bucket: "a bucket name: 3 to 63 lower-case letters, digits, dots and dashes",
  offsite_s3_region: 'the region of the bucket, such as us-east-1 or "auto" (Cloudflare R2)',
  offsite_s3_prefix: 'a folder inside the bucket, such as "shop1/", or "" for none',
  offsite_s3_access_key_id: "the access key id (key ID) the service gave you",
  offsite_s3_secret_access_key: "the secret access key the service gave you",
  offsite_passphrase: "a passphrase of 12 to 1024 characters without control characters",
  offsite_kinds: `a list of backup kinds from ${KIND_NAMES.join(", ")} (comma-separated in the environment)`,
  offsite_max_backups: "a whole number from 1 to 100000, or null for as many as max_backups",
  offsite_max_manual_backups:
    'a whole number from 1 to 100000, "unlimited", or null for as max_manual_backups',
  offsite_max_pre_restore_backups:
    "a whole number from 1 to 100000, or null for as many as max_pre_restore_backups",
  offsite_max_pre_update_backups:
    "a whole number from 1 to 100000, or null for as many as max_pre_update_backups",
  offsite_max_startup_backups: "a whole number from 1 to 100000, or null for as many as max_startup_backups",
  offsite_keep_daily: "a whole number of days from 0 (none) to 100000, or null for as many as keep_daily",
  offsite_keep_weekly: "a whole number of weeks from 0 (none) to 100000, or null for as many as keep_weekly",
  offsite_keep_monthly:
    "a whole number of months from 0 (none) to 100000, or null for as many as keep_monthly",
  offsite_keep_yearly: "a whole number of years from 0 (none) to 100000, or null for as many as keep_yearly",
  offsite_passphrase_check_days: "a whole number of days from 0 (never ask) to 3650",
  offsite_timeout_seconds: "a whole number of seconds from 1 to 600",
  offsite_run_minutes: "a whole number of minutes from 1 to 10080 (a week)",
};

export const OFFSITE_DESCRIPTIONS: Record<OffsiteKey, string> = {
  offsite_mirror_dir: "folder on a USB drive or NAS that receives a copy of every backup",
  offsite_s3_endpoint: "address of the S3-compatible storage for off-site copies",
  offsite_s3_bucket: "bucket for off-site copies",
  offsite_s3_region: "region of that bucket",
  offsite_s3_prefix: "folder inside the bucket",
  offsite_s3_access_key_id: "access key id for the bucket",
  offsite_s3_secret_access_key: "secret access key for the bucket (never shown)",
  offsite_passphrase: "encrypt off-site copies with this passphrase, in the age format (never shown)",
  offsite_kinds: "kinds of backups copied off-site (default all but pre_restore)",
  offsite_max_backups: "automatic backups kept off-site (default as max_backups)",
  offsite_max_manual_backups: "manual backups kept off-site (default as max_manual_backups)",
  offsite_max_pre_restore_backups: "safety backups kept off-site (default as max_pre_restore_backups)",
  offsite_max_pre_update_backups: "pre-update backups kept off-site (default as max_pre_update_backups)",
  offsite_max_startup_backups: "startup backups kept off-site (default as max_startup_backups)",
  offsite_keep_daily: "days of which the newest automatic backup is kept off-site (default as keep_daily)",
  offsite_keep_weekly: "weeks of which the newest automatic backup is kept off-site (default as keep_weekly)",
  offsite_keep_monthly:
    "months of which the newest automatic backup is kept off-site (default as keep_monthly)",
  offsite_keep_yearly: "years of which the newest automatic backup is kept off-site (default as keep_yearly)",
  offsite_passphrase_check_days:
    "days after which an administrator is asked to type the passphrase, to be sure it is still known (default 90)",
  offsite_timeout_seconds:
    "how long a request to an off-site place may wait for its answer, or for the next data (default 30)",
  offsite_run_minutes:
    "how long one off-site run may take before it is given up and counts as failed (default 360)",
};
