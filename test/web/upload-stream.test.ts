import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { savesSettled } from "../../src/lib/files/fs-sync.ts";
import { makeWebApp } from "./app-fixture.ts";

const BOUNDARY = "----upload-boundary";
const encoder = new TextEncoder();

/** A multipart body as a browser sends it: text fields, then the file. */
function multipartBody(fields: Record<string, string>, file: Uint8Array, filename: string): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      encoder.encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  parts.push(
    encoder.encode(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
        "Content-Type: application/octet-stream\r\n\r\n",
    ),
    file,
    encoder.encode(`\r\n--${BOUNDARY}--\r\n`),
  );
  return new Uint8Array(Buffer.concat(parts));
}

/** The body handed over `chunkSize` bytes at a time, as a slow network would. */
function inChunks(body: Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < body.length; i += chunkSize) controller.enqueue(body.subarray(i, i + chunkSize));
      controller.close();
    },
  });
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** The SHA-256 of each row's data in a backup's `items`, in rowid order. */
function itemsOf(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .query<{ data: Uint8Array }, []>("SELECT data FROM items ORDER BY rowid")
      .all()
      .map((row) => sha256(row.data));
  } finally {
    db.close();
  }
}

/**
 * A real backup whose data holds stretches that look like the start of a multipart delimiter
 * (a sender picks a boundary that its content does not hold whole): the upload must keep them as
 * data, byte for byte.
 */
async function trickyBackup(web: ReturnType<typeof makeWebApp>): Promise<Uint8Array> {
  web.db.sqlite.run("CREATE TABLE items (data BLOB)");
  web.db.sqlite.run("INSERT INTO items VALUES (randomblob(70000))");
  for (const lookalike of ["\r\n--notTheBoundary\r\n", `\r\n--${BOUNDARY.slice(0, -1)}`]) {
    web.db.sqlite.run("INSERT INTO items VALUES (?)", [encoder.encode(lookalike.repeat(50))]);
  }
  const made = await web.engine.createBackup({ kind: "manual" });
  return new Uint8Array(readFileSync(join(web.paths.backupsDir, made.name)));
}

describe("streamed upload", () => {
  test("fields and a binary file arrive as the browser sent them, whatever the chunk size", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const file = await trickyBackup(web);
    const sentItems = itemsOf(join(web.paths.backupsDir, web.engine.list()[0]?.name as string));
    expect(sentItems).toHaveLength(3);
    const body = multipartBody(
      { _csrf: boss.csrfToken, description: "USB copy ünïcødé" },
      file,
      "shop copy.db",
    );
    for (const chunkSize of [1, 7, 1024, 65_536, body.length]) {
      const res = await web.request("/backup/upload", {
        method: "POST",
        cookie: boss.token,
        headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}`, "HX-Request": "true" },
        body: inChunks(body, chunkSize),
      });
      expect(res.status).toBe(200);
      const [uploaded] = web.engine.list().filter((r) => r.kind === "uploaded");
      expect(uploaded?.description).toBe("USB copy ünïcødé");
      // What is kept is the file's rebuild: every byte of its data, in rows as they were sent.
      expect(itemsOf(join(web.paths.backupsDir, uploaded?.name as string))).toEqual(sentItems);
    }
    expect(web.engine.list().filter((r) => r.kind === "uploaded")).toHaveLength(5);
  });

  test("the file is on disk as it arrives: what was read is written before the rest is asked for", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const file = await trickyBackup(web);
    const body = multipartBody({ _csrf: boss.csrfToken }, file, "slow.db");
    const seen: { read: number; onDisk: number }[] = [];
    let read = 0;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          const temp = readdirSync(web.paths.backupsDir).find((f) => f.startsWith(".upload."));
          if (temp) seen.push({ read, onDisk: statSync(join(web.paths.backupsDir, temp)).size });
          if (read >= body.length) return controller.close();
          controller.enqueue(body.subarray(read, read + 8192));
          read += 8192;
        },
      },
      { highWaterMark: 0 },
    );
    const res = await web.request("/backup/upload", {
      method: "POST",
      cookie: boss.token,
      headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}`, "HX-Request": "true" },
      body: stream,
    });
    expect(res.status).toBe(200);
    expect(seen.length).toBeGreaterThan(10);
    // Everything read so far, less the headers and a delimiter's length held back, is in the file.
    for (const { read, onDisk } of seen) expect(onDisk).toBeGreaterThanOrEqual(read - 8192 - 512);
  });

  test("a body cut anywhere is refused as incomplete, never kept as a short file", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const file = await trickyBackup(web);
    const body = multipartBody({ _csrf: boss.csrfToken }, file, "cut.db");
    for (const [cutAt, chunkSize] of [
      [body.length - 3, 512],
      [body.length - 40, 7],
      [Math.floor(body.length / 2), 4096],
      [120, 16],
    ] as const) {
      const res = await web.request("/backup/upload", {
        method: "POST",
        cookie: boss.token,
        headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}`, "HX-Request": "true" },
        body: inChunks(body.subarray(0, cutAt), chunkSize),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("Failed to upload backup: the upload ended too early");
    }
    expect(web.engine.list().filter((r) => r.kind === "uploaded")).toEqual([]);
    await savesSettled();
    expect(readdirSync(web.paths.backupsDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("a text field over 64 KB, a second file and a body that is no form are refused with a reason", async () => {
    const web = makeWebApp();
    const boss = await web.as("super_admin");
    const file = await trickyBackup(web);
    const send = (body: Uint8Array, type = `multipart/form-data; boundary=${BOUNDARY}`) =>
      web.request("/backup/upload", {
        method: "POST",
        cookie: boss.token,
        headers: { "Content-Type": type, "HX-Request": "true" },
        body,
      });
    const long = await send(
      multipartBody({ _csrf: boss.csrfToken, description: "x".repeat(70_000) }, file, "a.db"),
    );
    expect(long.status).toBe(400);
    expect(await long.text()).toContain("a field of the form is too long");
    const one = Buffer.from(multipartBody({ _csrf: boss.csrfToken }, file, "a.db"));
    const filePart = one.subarray(
      one.indexOf(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"`),
    );
    const twoFiles = Buffer.concat([one.subarray(0, one.length - `--${BOUNDARY}--\r\n`.length), filePart]);
    const twice = await send(new Uint8Array(twoFiles));
    expect(twice.status).toBe(400);
    expect(await twice.text()).toContain("upload one file at a time");
    const notForm = await send(file, "multipart/form-data");
    expect(notForm.status).toBe(400);
    expect(await notForm.text()).toContain("send the file from the upload form");
    expect(web.engine.list().filter((r) => r.kind === "uploaded")).toEqual([]);
    await savesSettled();
    expect(readdirSync(web.paths.backupsDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
