import type { ManifestRecord } from "../../backup/index.ts";
import { sha256Hex } from "../../lib/hash.ts";
import type { Clock } from "../../lib/time.ts";
import { newFile } from "../crypto/age.ts";
import type { PlaceKey } from "../crypto/keys.ts";
import { sealFile } from "../crypto/seal-file.ts";
import { OffsiteError } from "../errors.ts";
import type { OffsiteTarget } from "../places/target.ts";
import { copyNameOf, type RemoteCopy, sidecarNameOf } from "./copies.ts";
import type { PlaceLedger } from "./ledger.ts";
import { sidecarText } from "./sidecar.ts";
import { type Digest, digestOf, fileStream, measuring } from "./streams.ts";

export interface CopyRequest {
  target: OffsiteTarget;
  /** A verified local backup, with the SHA-256 recorded when it was made. */
  record: ManifestRecord & { sha256: string };
  /** Its file. */
  path: string;
  /** The place's key: the copy is encrypted to it and its sidecar signed. Null: a plain copy, unsigned. */
  key: PlaceKey | null;
  /** What this installation records writing there. */
  ledger: PlaceLedger;
  clock: Clock;
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Copies one backup to `target` and returns the copy as listed from now on. Steps: its names are
 * recorded as being written (an interrupted copy is this installation's to clear, nobody else's);
 * the old copy's sidecar is removed first (a replaced startup copy is never listed with the
 * sidecar of the one before); the file is written whole (`target.write`: a temporary file and a
 * rename, or a completed upload), encrypted on the way to the place's key when there is one, its
 * SHA-256 taken as it is read (a folder seals it in the backup worker, `target.sealFile`); the copy
 * is read back and must hash as it was written; only then is
 * its sidecar written, signed with the place's key, and the copy recorded as written.
 * Guarantees: a copy interrupted at any step has no sidecar, so it is never listed; a copy whose
 * source no longer hashes as it did when it was made is refused (`offsite.local_changed`), one
 * that reads back otherwise is removed (`offsite.damaged`). Throws `OffsiteError`.
 */
export async function copyBackup(request: CopyRequest): Promise<RemoteCopy> {
  const { target, record, key, ledger, signal } = request;
  const encrypted = key !== null;
  const copyName = copyNameOf(record.name, encrypted);
  const sidecarName = sidecarNameOf(copyName);
  await ledger.change((r) => {
    const now = request.clock().toISOString();
    r.writing[copyName] = now;
    r.writing[sidecarName] = now;
    if (encrypted) r.encrypted = true;
  });
  await target.remove(sidecarName, signal);
  let plain: Digest;
  let written: Digest;
  // A plain copy made by the kernel is hashed by reading it back, so its read-back is done; a
  // target that seals a file itself reads it back as it flushes it.
  let back: Digest | null = null;
  if (!key && target.copyFile) {
    await target.copyFile(request.path, copyName, signal);
    request.onProgress?.(record.size);
    written = await readBack(target, copyName, signal);
    plain = written;
    back = written;
  } else if (key && target.sealFile) {
    const sealed = await target.sealFile(request.path, copyName, await newFile(key.recipient), {
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      ...(signal ? { signal } : {}),
    });
    request.onProgress?.(record.size);
    plain = sealed.plain;
    written = sealed.sealed;
    back = sealed.stored;
  } else if (key) {
    const sealed = await sealFile(request.path, key.recipient, {
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      ...(signal ? { signal } : {}),
    });
    try {
      await target.write(copyName, sealed.stream, signal);
    } finally {
      await sealed.close();
    }
    plain = sealed.plain();
    written = sealed.sealed();
  } else {
    const source = measuring({
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      ...(signal ? { signal } : {}),
    });
    await target.write(copyName, fileStream(request.path).pipeThrough(source.stream), signal);
    plain = source.digest();
    written = plain;
  }
  if (plain.sha256 !== record.sha256) {
    await target.remove(copyName, signal);
    // The local file is not what was made: whatever the copy holds must not stand for that backup.
    const local = await digestOf(fileStream(request.path), signal);
    if (local.sha256 !== record.sha256)
      throw new OffsiteError(
        "offsite.local_changed",
        `the backup ${record.name} changed since it was made`,
        "its SHA-256 differs; it was not copied: check it with verify",
      );
    throw new OffsiteError(
      "offsite.damaged",
      `the copy of ${record.name} was damaged on the way`,
      target.where,
    );
  }
  back ??= await readBack(target, copyName, signal);
  if (back.sha256 !== written.sha256 || back.size !== written.size) {
    await target.remove(copyName, signal);
    throw new OffsiteError(
      "offsite.damaged",
      `the copy of ${record.name} reads back differently than it was written`,
      `${target.where}: it was removed`,
    );
  }
  const fields = {
    name: record.name,
    createdAt: record.createdAt,
    size: plain.size,
    sha256: plain.sha256,
    encrypted,
    copySize: written.size,
    copySha256: written.sha256,
    copiedAt: request.clock().toISOString(),
  };
  const story = {
    origin: record.origin ?? null,
    description: record.description,
    createdBy: record.createdBy,
    databaseId: record.databaseId ?? null,
    dataAt: record.dataAt ?? null,
    rowCounts: record.rowCounts ?? null,
  };
  const { sidecar, text } = await sidecarText(fields, story, key);
  await target.write(sidecarName, text, signal);
  await ledger.change((r) => {
    delete r.writing[copyName];
    delete r.writing[sidecarName];
    r.copies[copyName] = { sha256: written.sha256, size: written.size, sidecar: sha256Hex(text) };
  });
  return { ...sidecar, copyName, kind: record.kind, proven: true };
}

/** The copy `name` as it reads back from the place: its size and SHA-256. */
async function readBack(target: OffsiteTarget, name: string, signal?: AbortSignal): Promise<Digest> {
  return target.digest ? target.digest(name, signal) : digestOf(await target.read(name, signal), signal);
}

/**
 * Removes a copy this app wrote (a proven one): its sidecar first (a half-removed copy is never
 * listed), then its data, then its record.
 */
export async function removeCopy(
  target: OffsiteTarget,
  ledger: PlaceLedger,
  copyName: string,
  signal?: AbortSignal,
): Promise<void> {
  await target.remove(sidecarNameOf(copyName), signal);
  await target.remove(copyName, signal);
  await ledger.change((r) => {
    delete r.copies[copyName];
  });
}
