import { AppError } from "./errors.ts";

export class MultipartError extends AppError {
  constructor(message: string) {
    super("upload.bad_form", message);
  }
}

export interface PartInfo {
  name: string;
  filename: string | null;
}

export interface MultipartHandlers {
  /** A small text field, whole. */
  field(name: string, value: string): void | Promise<void>;
  /** The start of a file part; later bytes go to `data`. */
  fileStart(part: PartInfo): void | Promise<void>;
  data(chunk: Uint8Array): void | Promise<void>;
  fileEnd(): void | Promise<void>;
}

const MAX_FIELD_BYTES = 64 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n");

function parseDisposition(headers: string): PartInfo {
  const line = headers.split("\r\n").find((h) => h.toLowerCase().startsWith("content-disposition:")) ?? "";
  const name = /\bname="([^"]*)"/i.exec(line)?.[1];
  const filename = /\bfilename="([^"]*)"/i.exec(line)?.[1] ?? null;
  if (name === undefined) throw new MultipartError("A part of the form has no name.");
  return { name, filename };
}

/** The boundary of a `multipart/form-data` content type, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/**
 * Reads a `multipart/form-data` body as it arrives: text fields whole (each at most 64 KB),
 * file parts passed on chunk by chunk, so a file of any size never sits in memory.
 */
export async function readMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  handlers: MultipartHandlers,
) {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The body starts with the delimiter without its leading CRLF; prefixing one makes every delimiter alike.
  let buffer: Buffer = Buffer.from("\r\n");
  let state: "preamble" | "headers" | "body" | "done" = "preamble";
  let part: PartInfo | null = null;
  let field: Buffer[] = [];
  let fieldBytes = 0;

  async function emit(bytes: Buffer): Promise<void> {
    if (bytes.length === 0 || !part) return;
    if (part.filename !== null) {
      await handlers.data(bytes);
      return;
    }
    fieldBytes += bytes.length;
    if (fieldBytes > MAX_FIELD_BYTES) throw new MultipartError(`The form field ${part.name} is too long.`);
    field.push(bytes);
  }

  async function endPart(): Promise<void> {
    if (!part) return;
    if (part.filename !== null) await handlers.fileEnd();
    else await handlers.field(part.name, Buffer.concat(field).toString("utf8"));
    part = null;
  }

  async function consume(final: boolean): Promise<void> {
    while (state !== "done") {
      if (state === "preamble" || state === "body") {
        const at = buffer.indexOf(delimiter);
        if (at === -1) {
          if (state === "body") {
            // Keep a tail that could be the start of a delimiter cut across chunks.
            const keep = Math.min(buffer.length, delimiter.length - 1);
            await emit(buffer.subarray(0, buffer.length - keep));
            buffer = buffer.subarray(buffer.length - keep);
          }
          if (state === "preamble" && buffer.length > 16 * 1024)
            throw new MultipartError("This is not a form upload.");
          if (final) throw new MultipartError("The upload ended too early: the file is incomplete.");
          return;
        }
        if (state === "body") await emit(buffer.subarray(0, at));
        const after = buffer.subarray(at + delimiter.length);
        if (after.length < 2) {
          if (final) throw new MultipartError("The upload ended too early: the file is incomplete.");
          buffer = buffer.subarray(at);
          return;
        }
        await endPart();
        if (after[0] === 0x2d && after[1] === 0x2d) {
          state = "done";
          return;
        }
        buffer = after.subarray(2);
        state = "headers";
      } else {
        const end = buffer.indexOf(CRLFCRLF);
        if (end === -1) {
          if (buffer.length > 16 * 1024) throw new MultipartError("A part of the form has too long headers.");
          if (final) throw new MultipartError("The upload ended too early.");
          return;
        }
        part = parseDisposition(buffer.subarray(0, end).toString("utf8"));
        field = [];
        fieldBytes = 0;
        buffer = buffer.subarray(end + 4);
        state = "body";
        if (part.filename !== null) await handlers.fileStart(part);
      }
    }
  }

  for await (const chunk of body) {
    buffer = buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffer, chunk]);
    await consume(false);
    if ((state as string) === "done") return;
  }
  await consume(true);
}
