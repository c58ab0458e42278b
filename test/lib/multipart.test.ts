import { describe, expect, test } from "bun:test";
import { boundaryOf, MultipartError, readMultipart } from "../../src/lib/multipart.ts";

async function parse(body: Uint8Array, boundary: string, chunkSize: number) {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < body.length; i += chunkSize) controller.enqueue(body.subarray(i, i + chunkSize));
      controller.close();
    },
  });
  const fields: Record<string, string> = {};
  const files: { name: string; filename: string | null; bytes: number[] }[] = [];
  await readMultipart(stream, boundary, {
    field: (name, value) => {
      fields[name] = value;
    },
    fileStart: (part) => {
      files.push({ ...part, bytes: [] });
    },
    data: (chunk) => {
      files.at(-1)?.bytes.push(...chunk);
    },
    fileEnd: () => {},
  });
  return { fields, files };
}

describe("streamed multipart parsing", () => {
  test("fields and a binary file, whatever the chunk size, equal what the browser's FormData sent", async () => {
    const payload = new Uint8Array(70_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) % 256;
    // A stretch that looks like a delimiter start must stay data.
    payload.set(new TextEncoder().encode("\r\n--notTheBoundary\r\n"), 1000);
    const data = new FormData();
    data.set("_csrf", "token-123");
    data.set("description", "USB copy ünïcødé");
    data.set("file", new File([payload], "shop copy.db"));
    const request = new Request("http://x/", { method: "POST", body: data });
    const boundary = boundaryOf(request.headers.get("content-type") ?? "") as string;
    const body = new Uint8Array(await request.arrayBuffer());
    for (const chunkSize of [1, 7, 1024, 65_536, body.length]) {
      const { fields, files } = await parse(body, boundary, chunkSize);
      expect(fields).toEqual({ _csrf: "token-123", description: "USB copy ünïcødé" });
      expect(files).toHaveLength(1);
      expect(files[0]?.filename).toBe("shop copy.db");
      expect(new Uint8Array(files[0]?.bytes ?? [])).toEqual(payload);
    }
  });

  test("a truncated body is an error, not a short file", async () => {
    const data = new FormData();
    data.set("file", new File([new Uint8Array(5000).fill(1)], "x.db"));
    const request = new Request("http://x/", { method: "POST", body: data });
    const boundary = boundaryOf(request.headers.get("content-type") ?? "") as string;
    const body = new Uint8Array(await request.arrayBuffer());
    expect(parse(body.subarray(0, 3000), boundary, 512)).rejects.toBeInstanceOf(MultipartError);
  });
});
