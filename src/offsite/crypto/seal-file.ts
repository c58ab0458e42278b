import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { payloadSealer } from "../../lib/age-stream.ts";
import { letOthersRun } from "../../lib/timers.ts";
import type { Digest } from "../copies/streams.ts";
import { newFile } from "./age.ts";

/** What is read of the file at a time, into one buffer kept for the whole file. */
const BATCH = 1024 * 1024;

/** A local file encrypted as an age file, streamed, and the digests of both sides once it ended. */
export interface SealedFile {
  stream: ReadableStream<Uint8Array>;
  /** The plain file's size and SHA-256; call once the stream has ended. */
  plain(): Digest;
  /** The age file's; call once the stream has ended. */
  sealed(): Digest;
  /** Closes the file, read to its end or not (a write that failed before it read it all). */
  close(): Promise<void>;
}

/**
 * The file at `path` encrypted to `recipient` (`age1…`) as it is read: 1 MiB at a time into two
 * buffers in turn, hashed, sealed (`age-stream.ts`) into the batch given out, which is hashed too. A batch
 * is read only when the writer asks for the next (no queue builds up), and only the sealed batch
 * is new memory: a copy of a large database grows the process by a few dozen MiB at most. Between
 * batches the thread answers other work. Fails once `signal` aborts.
 */
export async function sealFile(
  path: string,
  recipient: string,
  options: { onProgress?: (bytes: number) => void; signal?: AbortSignal } = {},
): Promise<SealedFile> {
  const { head, key } = await newFile(recipient);
  const sealer = payloadSealer(key);
  const plainHash = createHash("sha256");
  const sealedHash = createHash("sha256");
  let plainSize = 0;
  let sealedSize = 0;
  // Two buffers in turn: the next batch is read while the last one is sealed and hashed.
  const buffers = [new Uint8Array(BATCH), new Uint8Array(BATCH)];
  let turn = 0;
  const file = await open(path, "r");
  type Read = Promise<{ bytesRead: number; buffer: Uint8Array }>;
  let reading: Read | null = null;
  const readNext = (): Read => {
    const buffer = buffers[turn] as Uint8Array;
    turn ^= 1;
    reading = file.read(buffer, 0, BATCH, null).then(({ bytesRead }) => ({ bytesRead, buffer }));
    return reading;
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await reading?.catch(() => {});
    await file.close();
  };
  const give = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array) => {
    sealedHash.update(bytes);
    sealedSize += bytes.length;
    controller.enqueue(bytes);
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (controller) => give(controller, head),
      // Each pull gives out a batch or ends: a pull that gave nothing would not be called again.
      async pull(controller) {
        try {
          options.signal?.throwIfAborted();
          await letOthersRun();
          for (;;) {
            const { bytesRead, buffer } = await (reading ?? readNext());
            if (bytesRead === 0) {
              give(controller, sealer.end());
              await close();
              controller.close();
              return;
            }
            readNext();
            const plain = buffer.subarray(0, bytesRead);
            plainHash.update(plain);
            plainSize += bytesRead;
            options.onProgress?.(plainSize);
            const sealed = sealer.push(plain);
            if (sealed) return give(controller, sealed);
          }
        } catch (error) {
          await close().catch(() => {});
          throw error;
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
  let digests: { plain: Digest; sealed: Digest } | null = null;
  const digestsOnce = () => {
    digests ??= {
      plain: { size: plainSize, sha256: plainHash.digest("hex") },
      sealed: { size: sealedSize, sha256: sealedHash.digest("hex") },
    };
    return digests;
  };
  return { stream, plain: () => digestsOnce().plain, sealed: () => digestsOnce().sealed, close };
}
