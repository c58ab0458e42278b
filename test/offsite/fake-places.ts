import { atEndOfRun } from "../end-of-run.ts";

/**
 * Small servers that answer as no real S3 service would, for the tests of what the app does when
 * a place misbehaves: each on loopback, stopped at the end of the run at the latest. What they
 * send back holds a marker (`LEAK`) that must never appear in anything the app says.
 */
export const LEAK = "internal-secret-7f3a";

export interface FakePlace {
  endpoint: string;
  /** Requests it has seen so far. */
  requests(): number;
  stop(): void;
}

const stoppers = new Set<() => void>();
atEndOfRun(() => {
  for (const stop of stoppers) stop();
});

function serve(fetch: (request: Request, count: number) => Response | Promise<Response>): FakePlace {
  let count = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request) => fetch(request, ++count),
  });
  const stop = () => server.stop(true);
  stoppers.add(stop);
  return { endpoint: `http://127.0.0.1:${server.port}`, requests: () => count, stop };
}

/** A listing that never ends: every page is truncated, with 1000 new keys and a new token. */
export function endlessListing(): FakePlace {
  return serve((request, count) => {
    const url = new URL(request.url);
    if (request.method !== "GET" || url.searchParams.get("list-type") !== "2")
      return new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403 });
    const keys = Array.from(
      { length: 1000 },
      (_, i) =>
        `<Contents><Key>${url.searchParams.get("prefix") ?? ""}obj-${count}-${i}</Key><Size>1</Size></Contents>`,
    );
    const xml = `<?xml version="1.0"?><ListBucketResult>${keys.join("")}<IsTruncated>true</IsTruncated><NextContinuationToken>t${count}</NextContinuationToken></ListBucketResult>`;
    return new Response(xml, { headers: { "content-type": "application/xml" } });
  });
}

/** An internal web service on the LAN: it answers every request 200 with a page of its own. */
export function webService(): FakePlace {
  return serve(
    () =>
      new Response(`<html><body>Staff wiki. ${LEAK}: the payroll password is hunter2</body></html>`, {
        headers: { "content-type": "text/html" },
      }),
  );
}

/** An S3 service whose clock is `minutes` ahead of this PC's: it refuses every request, as AWS does. */
export function skewedService(minutes: number): FakePlace {
  return serve(() => {
    const theirs = new Date(Date.now() + minutes * 60_000);
    const xml = `<?xml version="1.0"?><Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large. ${LEAK}</Message><ServerTime>${theirs.toISOString()}</ServerTime></Error>`;
    return new Response(xml, {
      status: 403,
      headers: { "content-type": "application/xml", date: theirs.toUTCString() },
    });
  });
}

/** Accepts connections and never answers a byte. */
export function silentPlace(): FakePlace {
  let count = 0;
  const sockets = new Set<{ end(): void }>();
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        count++;
        sockets.add(socket);
      },
      data() {},
      close(socket) {
        sockets.delete(socket);
      },
    },
  });
  const stop = () => {
    for (const socket of sockets) socket.end();
    listener.stop(true);
  };
  stoppers.add(stop);
  return { endpoint: `http://127.0.0.1:${listener.port}`, requests: () => count, stop };
}

/** The environment that points the app at `place` as its S3 bucket. */
export function placeEnv(place: FakePlace, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BUSINESS_APP_OFFSITE_S3_ENDPOINT: place.endpoint,
    BUSINESS_APP_OFFSITE_S3_BUCKET: "shop",
    BUSINESS_APP_OFFSITE_S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
    BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY: "secret-of-the-shop",
    ...extra,
  };
}

/** What a `memoryS3` does differently, changed by the test as it goes. */
export interface MemoryS3Knobs {
  /** Leave the place's key file out of the next N listings (an incomplete listing). */
  hideKeyFile?: number;
  /** Answer GETs of matching keys with this body instead of the object. */
  body?: { match: RegExp; make: () => ReadableStream<Uint8Array> } | null;
  /** Called before a PUT is taken: the PUT waits for what it returns (a run held in the middle). */
  beforePut?: ((key: string) => Promise<void>) | null;
  /**
   * How long completing a multipart upload takes (the service joining the parts): with `spaces`,
   * it answers 200 at once and sends a space every 100 ms meanwhile, as Amazon S3 does; without,
   * its answer begins only then, as a service on one disk (s3rver, MinIO) may.
   */
  assemble?: { ms: number; spaces: boolean } | null;
}

/**
 * An S3 service in memory that checks no signature: list, GET, PUT, DELETE, multipart uploads
 * (begin, parts, complete, abort), and nothing else. Its objects can be looked at and changed
 * directly; `taken()` counts the bytes GETs sent, `uploads` holds the uploads begun and not ended.
 */
export function memoryS3(knobs: MemoryS3Knobs = {}) {
  const objects = new Map<string, Uint8Array>();
  const uploads = new Map<string, Uint8Array[]>();
  let sent = 0;
  const counted = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          sent += chunk.byteLength;
          out.enqueue(chunk);
        },
      }),
    );
  const place = serve(async (request) => {
    const url = new URL(request.url);
    const [, , ...rest] = url.pathname.split("/");
    const key = rest.map(decodeURIComponent).join("/");
    if (request.method === "GET" && !key && url.searchParams.get("list-type") === "2") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const hide = (knobs.hideKeyFile ?? 0) > 0;
      if (hide) knobs.hideKeyFile = (knobs.hideKeyFile ?? 0) - 1;
      const keys = [...objects.keys()]
        .filter((k) => k.startsWith(prefix) && !(hide && k.endsWith("business-app-key.age")))
        .sort();
      const contents = keys.map(
        (k) => `<Contents><Key>${k}</Key><Size>${objects.get(k)?.byteLength}</Size></Contents>`,
      );
      return new Response(
        `<?xml version="1.0"?><ListBucketResult>${contents.join("")}<IsTruncated>false</IsTruncated></ListBucketResult>`,
      );
    }
    if (request.method === "POST" && url.searchParams.has("uploads")) {
      const id = `upload-${uploads.size + objects.size}-${key.length}`;
      uploads.set(id, []);
      return new Response(
        `<InitiateMultipartUploadResult><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    const uploadId = url.searchParams.get("uploadId");
    if (uploadId !== null) {
      const parts = uploads.get(uploadId);
      if (!parts) return new Response("<Error><Code>NoSuchUpload</Code></Error>", { status: 404 });
      if (request.method === "PUT") {
        const bytes = new Uint8Array(await request.arrayBuffer());
        parts[Number(url.searchParams.get("partNumber")) - 1] = bytes;
        return new Response("", { headers: { etag: `"${Bun.hash(bytes).toString(16)}"` } });
      }
      if (request.method === "DELETE") {
        uploads.delete(uploadId);
        return new Response(null, { status: 204 });
      }
      const join = () => {
        if (!uploads.delete(uploadId)) return "<Error><Code>NoSuchUpload</Code></Error>";
        objects.set(key, new Uint8Array(Buffer.concat(parts)));
        return `<CompleteMultipartUploadResult><Key>${key}</Key></CompleteMultipartUploadResult>`;
      };
      const assemble = knobs.assemble;
      if (!assemble) return new Response(join());
      if (!assemble.spaces) return Bun.sleep(assemble.ms).then(() => new Response(join()));
      const done = performance.now() + assemble.ms;
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            await Bun.sleep(100);
            if (performance.now() < done) controller.enqueue(new Uint8Array([0x20]));
            else {
              controller.enqueue(new TextEncoder().encode(join()));
              controller.close();
            }
          },
        }),
      );
    }
    if (request.method === "PUT") {
      await knobs.beforePut?.(key);
      const bytes = new Uint8Array(await request.arrayBuffer());
      objects.set(key, bytes);
      return new Response("", { headers: { etag: `"${Bun.hash(bytes).toString(16)}"` } });
    }
    if (request.method === "GET") {
      if (knobs.body?.match.test(key)) return new Response(counted(knobs.body.make()));
      const object = objects.get(key);
      if (!object) return new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404 });
      return new Response(counted(new Response(object).body as ReadableStream<Uint8Array>));
    }
    if (request.method === "DELETE") {
      objects.delete(key);
      return new Response(null, { status: 204 });
    }
    return new Response("<Error><Code>NotImplemented</Code></Error>", { status: 501 });
  });
  return { ...place, objects, uploads, knobs, taken: () => sent };
}

/** A service that answers every request at once, 200, and then sends its body one byte every half second. */
export function drippingPlace(): FakePlace {
  return serve(
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            await Bun.sleep(500);
            controller.enqueue(new Uint8Array([0x20]));
          },
        }),
        { headers: { "content-type": "application/xml" } },
      ),
  );
}

/** `size` bytes of `fill`, as a stream of 1 MiB chunks. */
export function endlessBytes(
  size: number,
  fill: number,
  head = new Uint8Array(),
): ReadableStream<Uint8Array> {
  let left = size;
  let first = true;
  return new ReadableStream({
    pull(controller) {
      if (first) {
        first = false;
        if (head.byteLength > 0) return controller.enqueue(head);
      }
      if (left <= 0) return controller.close();
      const chunk = new Uint8Array(Math.min(1024 * 1024, left)).fill(fill);
      left -= chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}
