import { S3Client } from "bun";
import { objectStoreFailure } from "../shared/object-store-errors.ts";
import { mapStreamErrors } from "../shared/streams.ts";
import type { ObjectStore, ObjectStoreFailure, ObjectStoreOptions, StoredObject } from "../types.ts";

/** Parts of 8 MiB, two in flight: the memory an upload holds, whatever the object's size. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

/** Bun's S3 errors (`S3Error` with the service's code, or a network error) as an `ObjectStoreFailure`. */
function failureOf(error: unknown): ObjectStoreFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // For a network failure Bun's message says nothing ("an unexpected error has occurred"); its code does.
  const told = typeof code === "string" && /unexpected error/i.test(message) ? code : message;
  return objectStoreFailure(told, typeof code === "string" ? code : null, error);
}

async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw failureOf(error);
  }
}

/** An `ObjectStore` on Bun's built-in S3 client (path-style requests, SigV4). */
export function openObjectStore(options: ObjectStoreOptions): ObjectStore {
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    bucket: options.bucket,
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    virtualHostedStyle: false,
  });
  return {
    list: (prefix) =>
      translated(async () => {
        const found: StoredObject[] = [];
        let continuationToken: string | undefined;
        do {
          const page = await client.list({ prefix, ...(continuationToken ? { continuationToken } : {}) });
          // An empty listing has no `contents` at all.
          for (const item of page.contents ?? []) found.push({ key: item.key, size: item.size ?? 0 });
          continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
        } while (continuationToken);
        return found;
      }),
    put: (key, body) =>
      translated(async () => {
        if (typeof body === "string") await client.write(key, body);
        else await client.write(key, new Response(body), { partSize: PART_SIZE, queueSize: QUEUE_SIZE });
      }),
    get: async (key) => mapStreamErrors(client.file(key).stream(), failureOf),
    delete: (key) => translated(async () => void (await client.delete(key))),
  };
}
