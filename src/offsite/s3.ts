import { openObjectStore } from "#runtime/object-store.ts";
import { mapStreamErrors } from "../runtime/shared/streams.ts";
import type { ObjectStore, ObjectStoreOptions } from "../runtime/types.ts";
import { isAbort, storeError } from "./errors.ts";
import type { OffsiteTarget, TargetFile } from "./target.ts";

export interface S3TargetOptions extends ObjectStoreOptions {
  /** A folder in the bucket, "" or ending in "/". */
  prefix: string;
}

/**
 * Off-site copies in an S3-compatible bucket, under a prefix. Uploads of streams are multipart (an
 * object appears only once complete); Bun aborts the upload when a part fails. Some servers keep
 * a cut-off single upload as a short object, so nothing read from here is trusted before its
 * size and SHA-256 match its sidecar.
 */
export function s3Target(options: S3TargetOptions): OffsiteTarget {
  const store: ObjectStore = openObjectStore(options);
  const prefix = options.prefix;
  const key = (name: string) => `${prefix}${name}`;
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw isAbort(error) ? error : storeError(error);
    }
  };
  return {
    id: "s3",
    label: "S3",
    where: `bucket ${options.bucket}${prefix ? `, folder ${prefix}` : ""} at ${options.endpoint}`,
    list: () =>
      call(async () => {
        const found: TargetFile[] = [];
        for (const object of await store.list(prefix)) {
          const name = object.key.slice(prefix.length);
          // Objects in deeper folders belong to someone else.
          if (name && !name.includes("/")) found.push({ name, size: object.size });
        }
        return found;
      }),
    write: (name, body) => call(() => store.put(key(name), body)),
    read: (name) => call(async () => mapStreamErrors(await store.get(key(name)), storeError)),
    remove: (name) => call(() => store.delete(key(name))),
    tidy: async () => {},
  };
}
