import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { openObjectStore as openBunStore } from "../../src/runtime/bun/object-store.ts";
import { openFetchObjectStore } from "../../src/runtime/shared/fetch-object-store.ts";
import type { ObjectStore, ObjectStoreFailure, ObjectStoreOptions } from "../../src/runtime/types.ts";
import { type S3Server, startS3Server } from "../offsite/s3rver.ts";

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.stop();
});

const optionsOf = (over: Partial<ObjectStoreOptions> = {}): ObjectStoreOptions => ({
  endpoint: s3.endpoint,
  region: "us-east-1",
  bucket: s3.bucket,
  accessKeyId: s3.accessKeyId,
  secretAccessKey: s3.secretAccessKey,
  ...over,
});

/** Both implementations of the seam, held to the same contract against the same server. */
const STORES: [string, (o: ObjectStoreOptions) => ObjectStore][] = [
  ["Bun's S3 client", openBunStore],
  // Small parts and pages, so a test reaches several of each.
  ["fetch and SigV4 (Deno's)", (o) => openFetchObjectStore(o, { partSize: 5 * 1024 * 1024, pageSize: 2 })],
];

/** `size` random bytes, as a stream of 64 KiB chunks, and their SHA-256. */
function randomStream(size: number) {
  const hash = createHash("sha256");
  let left = size;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left === 0) return controller.close();
      const chunk = crypto.getRandomValues(new Uint8Array(Math.min(65536, left)));
      left -= chunk.byteLength;
      hash.update(chunk);
      controller.enqueue(chunk);
    },
  });
  return { stream, sha256: () => hash.digest("hex") };
}

async function digest(stream: ReadableStream<Uint8Array>) {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest("hex") };
}

const problemOf = async (work: () => Promise<unknown>) =>
  (
    (await work().then(
      () => null,
      (e) => e,
    )) as ObjectStoreFailure | null
  )?.problem;

describe.each(STORES)("the object store seam: %s", (label, open) => {
  const prefix = `${label.split(" ")[0]?.toLowerCase()}/`;

  test("put, list by prefix (every page), get, delete", async () => {
    const store = open(optionsOf());
    for (const name of ["a.json", "b c.json", "ünï+code&.json"])
      await store.put(`${prefix}${name}`, `{"name":"${name}"}`);
    await store.put(`other-${prefix}x.json`, "{}");
    const listed = await store.list(prefix);
    expect(listed.map((o) => o.key)).toEqual([
      `${prefix}a.json`,
      `${prefix}b c.json`,
      `${prefix}ünï+code&.json`,
    ]);
    expect(listed[0]?.size).toBe('{"name":"a.json"}'.length);
    expect(await new Response(await store.get(`${prefix}ünï+code&.json`)).text()).toBe(
      '{"name":"ünï+code&.json"}',
    );
    await store.delete(`${prefix}a.json`);
    await store.delete(`${prefix}never-there.json`);
    expect((await store.list(prefix)).map((o) => o.key)).toEqual([
      `${prefix}b c.json`,
      `${prefix}ünï+code&.json`,
    ]);
    expect(await problemOf(async () => digest(await store.get(`${prefix}a.json`)))).toBe("not_found");
  });

  test("a stream of 12 MiB goes up in parts and reads back the same; a small one in one piece", async () => {
    const store = open(optionsOf());
    for (const size of [12 * 1024 * 1024 + 123, 1000]) {
      const body = randomStream(size);
      await store.put(`${prefix}big-${size}.bin`, body.stream);
      expect(await digest(await store.get(`${prefix}big-${size}.bin`))).toEqual({
        size,
        sha256: body.sha256(),
      });
    }
  });

  test("wrong keys, a missing bucket and no server are told apart", async () => {
    expect(await problemOf(() => open(optionsOf({ secretAccessKey: "wrong-secret" })).list(""))).toBe(
      "credentials",
    );
    expect(await problemOf(() => open(optionsOf({ accessKeyId: "nobody" })).put("x", "y"))).toBe(
      "credentials",
    );
    expect(await problemOf(() => open(optionsOf({ bucket: "missing-bucket" })).list(""))).toBe("bucket");
    const nobody = "http://127.0.0.1:9";
    expect(await problemOf(() => open(optionsOf({ endpoint: nobody })).list(""))).toBe("unreachable");
  });
});
