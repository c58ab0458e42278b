import { z } from "zod";
import { newestFirst } from "../backup/manifest.ts";
import { type BackupKind, isPlainBackupName, parseBackupName } from "../backup/names.ts";
import { OffsiteError } from "./errors.ts";
import { type OffsiteTarget, readText, type TargetFile } from "./target.ts";

/** An encrypted copy's name: the backup's name and this (`backup_20250922_143000.db.age`). */
const AGE_SUFFIX = ".age";
/** Beside each copy, written after it: what it holds and how to check it. */
const SIDECAR_SUFFIX = ".json";
const SIDECAR_LIMIT = 64 * 1024;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0);

/** The sidecar of a copy (`<copy name>.json`): the copy counts only when it is there and matches. */
const sidecarSchema = z.object({
  version: z.literal(1),
  name: z.string().refine(isPlainBackupName),
  createdAt: z.iso.datetime(),
  /** The backup's own bytes (decrypted, for an encrypted copy). */
  size: count,
  sha256: hex64,
  encrypted: z.boolean(),
  /** The copy's bytes as stored (equal to the above for a plain copy). */
  copySize: count,
  copySha256: hex64,
  copiedAt: z.iso.datetime(),
});
export type Sidecar = z.infer<typeof sidecarSchema>;

/** A whole off-site copy: its sidecar, the name it has there, and the kind its name gives. */
export interface RemoteCopy extends Sidecar {
  copyName: string;
  kind: BackupKind;
}

export const copyNameOf = (name: string, encrypted: boolean) => (encrypted ? `${name}${AGE_SUFFIX}` : name);
export const sidecarNameOf = (copyName: string) => `${copyName}${SIDECAR_SUFFIX}`;

export function sidecarText(sidecar: Sidecar): string {
  return `${JSON.stringify(sidecar, null, 2)}\n`;
}

/** The backup a copy's name is of, or null for any other name. */
function backupNameOf(copyName: string): string | null {
  const name = copyName.endsWith(AGE_SUFFIX) ? copyName.slice(0, -AGE_SUFFIX.length) : copyName;
  return isPlainBackupName(name) ? name : null;
}

/** What a target holds: its whole copies (newest first), and the files of copies that are not whole. */
export interface TargetContents {
  copies: RemoteCopy[];
  /** Copies without a sidecar that matches them, and sidecars without their copy: never listed. */
  incomplete: string[];
}

async function readSidecar(target: OffsiteTarget, file: TargetFile): Promise<Sidecar | null> {
  if (file.size > SIDECAR_LIMIT) return null;
  let text: string;
  try {
    text = await readText(await target.read(file.name), SIDECAR_LIMIT);
  } catch (error) {
    // Gone since the listing, or not ours; a failure of the storage itself is the caller's.
    if (error instanceof OffsiteError && error.code !== "offsite.not_found") throw error;
    return null;
  }
  try {
    const parsed = sidecarSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** `work` on each item, a few at a time (a bucket with many copies gets no burst of requests). */
async function mapFew<T, R>(items: T[], work: (item: T) => Promise<R>, atOnce = 8): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
  return results;
}

/**
 * The copies in `target`: a copy counts only when its sidecar is there, names it, and its size is
 * the one the sidecar gives (a cut-off upload or an interrupted write is not a copy). Other names
 * are left alone. Throws `OffsiteError` when the target cannot be read.
 */
export async function readContents(target: OffsiteTarget): Promise<TargetContents> {
  const files = await target.list();
  const sizes = new Map(files.map((f) => [f.name, f.size]));
  const sidecars = files.filter((f) => f.name.endsWith(SIDECAR_SUFFIX));
  const copies: RemoteCopy[] = [];
  const matched = new Set<string>();
  const incomplete: string[] = [];
  const read = await mapFew(sidecars, (file) => readSidecar(target, file));
  sidecars.forEach((file, i) => {
    const copyName = file.name.slice(0, -SIDECAR_SUFFIX.length);
    const name = backupNameOf(copyName);
    if (name === null) return;
    const sidecar = read[i];
    const whole =
      sidecar &&
      sidecar.name === name &&
      copyNameOf(name, sidecar.encrypted) === copyName &&
      sizes.get(copyName) === sidecar.copySize;
    if (!whole) {
      incomplete.push(file.name);
      return;
    }
    matched.add(copyName);
    copies.push({ ...sidecar, copyName, kind: parseBackupName(name).kind });
  });
  for (const file of files) {
    if (!file.name.endsWith(SIDECAR_SUFFIX) && backupNameOf(file.name) && !matched.has(file.name))
      incomplete.push(file.name);
  }
  return { copies: copies.sort(newestFirst), incomplete };
}
