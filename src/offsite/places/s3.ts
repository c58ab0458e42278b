import type { PlaceLedger } from "../copies/ledger.ts";
import { isAbort, storeError } from "../errors.ts";
import { S3Http, type S3Options, type S3Timeouts } from "./s3/http.ts";
import { S3Store, type StoreTuning } from "./s3/store.ts";
import type { OffsiteTarget, TargetFile } from "./target.ts";

export interface S3TargetOptions extends S3Options {
  /** A folder in the bucket, "" or ending in "/". */
  prefix: string;
}

/** Where a bucket's copies are, for a person (and for the ledger, which names places by it). */
export function s3Where(options: S3TargetOptions): string {
  return `bucket ${options.bucket}${options.prefix ? `, folder ${options.prefix}` : ""} at ${options.endpoint}`;
}

const contentTypeOf = (name: string) =>
  name.endsWith(".json") ? "application/json" : "application/octet-stream";

/**
 * Off-site copies in an S3-compatible bucket, under a prefix, on `fetch` and SigV4 alike under
 * every runtime. Uploads of streams are multipart (an object appears only once complete); their
 * ids are kept in the ledger while they last, a failed one is aborted, and `tidy` aborts any that
 * an interrupted run of this installation left (S3 keeps, and bills, the parts until then).
 * Every request is bounded in time and every listing in size. Some servers keep a cut-off single
 * upload as a short object, so nothing read from here is trusted before its size and SHA-256
 * match its sidecar.
 */
export function s3Target(
  options: S3TargetOptions,
  ledger: PlaceLedger,
  timeouts: S3Timeouts,
  tuning: StoreTuning = {},
): OffsiteTarget {
  const store = new S3Store(new S3Http(options, timeouts), tuning);
  const prefix = options.prefix;
  const key = (name: string) => `${prefix}${name}`;
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw isAbort(error) ? error : storeError(error);
    }
  };
  const watch = {
    started: (objectKey: string, uploadId: string) =>
      ledger.change((r) => {
        r.uploads[uploadId] = { key: objectKey, startedAt: new Date().toISOString() };
      }),
    ended: (uploadId: string) =>
      ledger.change((r) => {
        delete r.uploads[uploadId];
      }),
  };
  return {
    id: "s3",
    label: "S3",
    where: s3Where(options),
    list: (signal) =>
      call(async () => {
        const found: TargetFile[] = [];
        for (const object of await store.list(prefix, signal)) {
          const name = object.key.slice(prefix.length);
          // Objects in deeper folders belong to someone else.
          if (name && !name.includes("/")) found.push({ name, size: object.size });
        }
        return found;
      }),
    write: (name, body, signal) =>
      call(() => store.put(key(name), body, { contentType: contentTypeOf(name), watch, signal })),
    read: (name, signal) => call(() => store.get(key(name), signal)),
    remove: (name, signal) => call(() => store.delete(key(name), signal)),
    tidy: (signal) =>
      call(async () => {
        const own = ledger.record().uploads;
        if (Object.keys(own).length === 0) return;
        // Only uploads this installation began: those of others under the prefix are theirs.
        const pending = await store.pendingUploads(prefix, signal);
        for (const [uploadId, upload] of Object.entries(own)) {
          const listed = pending === null || pending.some((p) => p.uploadId === uploadId);
          if (listed) await store.abortUpload(upload.key, uploadId, signal);
          await watch.ended(uploadId);
        }
      }),
  };
}
