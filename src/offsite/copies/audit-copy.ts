import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { openDatabase } from "#runtime/sqlite.ts";
import { AUDIT_FILE } from "../../config/paths.ts";
import { tempNameFor } from "../../lib/files/temp-name.ts";
import { sha256Hex } from "../../lib/hash.ts";
import type { Clock } from "../../lib/time.ts";
import type { SqlDatabase } from "../../runtime/types.ts";
import { encryptStream } from "../crypto/age.ts";
import { macMatches, macOf, type PlaceKey } from "../crypto/keys.ts";
import { OffsiteError } from "../errors.ts";
import { type OffsiteTarget, readText, type TargetFile } from "../places/target.ts";
import type { PlaceLedger } from "./ledger.ts";
import { type Digest, digestOf, fileStream, measuring } from "./streams.ts";

/**
 * The audit trail off-site: with a passphrase, each run puts a copy of `business_audit.db` in the
 * place, encrypted to the place's key (`business-app-audit.age`), with a sidecar signed like a
 * backup's (`business-app-audit.json`). A restore on a new PC brings its entries back. Without a
 * passphrase the trail is not copied: who did what stays on this PC only.
 */
export const AUDIT_COPY = "business-app-audit.age";
export const AUDIT_SIDECAR = "business-app-audit.json";
const SIDECAR_LIMIT = 4096;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0);
const fieldsSchema = z.object({
  kind: z.literal("audit trail"),
  version: z.literal(1),
  size: count,
  sha256: hex64,
  copySize: count,
  copySha256: hex64,
  copiedAt: z.iso.datetime(),
  entries: count,
});
type AuditFields = z.infer<typeof fieldsSchema>;

/** The trail's copy in a place, proven the app's own by its sidecar's MAC. */
export interface AuditCopy extends AuditFields {
  copyName: string;
  encrypted: true;
  /** When it was copied: what a download gives the file. */
  createdAt: string;
}

/** The text a sidecar's MAC is made of: its fields in a fixed order (the "audit trail" kind keeps it apart from a backup's). */
const signedText = (f: AuditFields) =>
  JSON.stringify({
    kind: f.kind,
    version: f.version,
    size: f.size,
    sha256: f.sha256,
    copySize: f.copySize,
    copySha256: f.copySha256,
    copiedAt: f.copiedAt,
    entries: f.entries,
  });

/**
 * The trail's copy among `files`, when its sidecar is there, its MAC holds under `key`, and the
 * copy has the size it gives; null otherwise (then both are, as anything unproven, left alone).
 */
export async function readAuditCopy(
  target: OffsiteTarget,
  files: TargetFile[],
  key: PlaceKey | null,
  signal?: AbortSignal,
): Promise<AuditCopy | null> {
  const sidecar = files.find((f) => f.name === AUDIT_SIDECAR);
  const copy = files.find((f) => f.name === AUDIT_COPY);
  if (!key || !sidecar || !copy || sidecar.size > SIDECAR_LIMIT) return null;
  let parsed: AuditFields & { mac: string };
  try {
    const text = await readText(await target.read(AUDIT_SIDECAR, signal), SIDECAR_LIMIT);
    const result = fieldsSchema.extend({ mac: hex64 }).safeParse(JSON.parse(text));
    if (!result.success) return null;
    parsed = result.data;
  } catch (error) {
    if (error instanceof OffsiteError && error.code !== "offsite.not_found") throw error;
    return null;
  }
  const { mac, ...fields } = parsed;
  if (!macMatches(key, signedText(fields), mac) || copy.size !== fields.copySize) return null;
  return { ...fields, copyName: AUDIT_COPY, encrypted: true, createdAt: fields.copiedAt };
}

export interface AuditCopyRequest {
  target: OffsiteTarget;
  ledger: PlaceLedger;
  key: PlaceKey;
  /** `business_audit.db`. */
  auditPath: string;
  /** Where its snapshot is made (the backup folder: a hidden temporary file). */
  tempDir: string;
  /** The copy there now, if any: one of the same trail is not written again. */
  present: AuditCopy | null;
  clock: Clock;
  signal?: AbortSignal;
}

/**
 * Puts the audit trail's copy in the place: a snapshot of it (`VACUUM INTO`, consistent while the
 * app writes to it), encrypted on the way, read back and compared, then its signed sidecar; the
 * names recorded as being written until both are there, as for a backup's copy. Nothing is
 * written when the place holds a copy of the same trail already. Returns true when it wrote one.
 */
export async function copyAuditTrail(request: AuditCopyRequest): Promise<boolean> {
  const { target, ledger, key, signal } = request;
  if (!existsSync(request.auditPath)) return false;
  const snapshot = join(request.tempDir, tempNameFor(AUDIT_FILE, "offsite-copy"));
  rmSync(snapshot, { force: true });
  try {
    const entries = snapshotTrail(request.auditPath, snapshot);
    const plain = await digestOf(fileStream(snapshot), signal);
    if (request.present?.sha256 === plain.sha256) return false;
    await ledger.change((r) => {
      const now = request.clock().toISOString();
      r.writing[AUDIT_COPY] = now;
      r.writing[AUDIT_SIDECAR] = now;
    });
    await target.remove(AUDIT_SIDECAR, signal);
    const stored = measuring(signal ? { signal } : {});
    const body = (await encryptStream(fileStream(snapshot), key.recipient)).pipeThrough(stored.stream);
    await target.write(AUDIT_COPY, body, signal);
    const written: Digest = stored.digest();
    const back = await digestOf(await target.read(AUDIT_COPY, signal), signal);
    if (back.sha256 !== written.sha256 || back.size !== written.size) {
      await target.remove(AUDIT_COPY, signal);
      throw new OffsiteError(
        "offsite.damaged",
        "the copy of the audit trail reads back differently than it was written",
        `${target.where}: it was removed`,
      );
    }
    const fields: AuditFields = {
      kind: "audit trail",
      version: 1,
      size: plain.size,
      sha256: plain.sha256,
      copySize: written.size,
      copySha256: written.sha256,
      copiedAt: request.clock().toISOString(),
      entries,
    };
    const text = `${JSON.stringify({ ...fields, mac: macOf(key, signedText(fields)) }, null, 2)}\n`;
    await target.write(AUDIT_SIDECAR, text, signal);
    await ledger.change((r) => {
      delete r.writing[AUDIT_COPY];
      delete r.writing[AUDIT_SIDECAR];
      r.copies[AUDIT_COPY] = { sha256: written.sha256, size: written.size, sidecar: sha256Hex(text) };
    });
    return true;
  } finally {
    rmSync(snapshot, { force: true });
  }
}

/** A consistent copy of the trail at `to` (made read-only from it); returns its entries. */
function snapshotTrail(from: string, to: string): number {
  const db = openDatabase(from, { readonly: true });
  try {
    db.run("VACUUM INTO ?", [to]);
    return Number((db.query("SELECT count(*) AS n FROM audit_log").get() as { n: number }).n);
  } finally {
    db.close();
  }
}

/**
 * Adds the entries of a downloaded copy of the trail (`path`, decrypted and checked against its
 * sidecar) that `trail` does not hold yet: only from a file SQLite finds whole whose `audit_log`
 * has the trail's columns. Returns how many were added.
 */
export function mergeAuditCopy(path: string, trail: { merge(source: SqlDatabase): number }): number {
  const db = openDatabase(path, { readonly: true });
  try {
    const check = db.query("PRAGMA quick_check(1)").values()[0]?.[0];
    if (check !== "ok") throw new Error(`the copy of the audit trail is damaged (${String(check)})`);
    const columns = db
      .query<{ name: string }, []>("SELECT name FROM pragma_table_info('audit_log') ORDER BY cid")
      .all()
      .map((c) => c.name)
      .join(",");
    if (columns !== "id,at,user_id,username,action,target,outcome,client_address")
      throw new Error("the copy of the audit trail is not an audit trail");
    return trail.merge(db);
  } finally {
    db.close();
  }
}
