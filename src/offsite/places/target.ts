import type { Digest } from "../copies/streams.ts";
/** The places off-site copies go to. */
export type TargetId = "mirror" | "s3";

/** A file in the mirror folder, or an object under the S3 prefix, by its name there. */
export interface TargetFile {
  name: string;
  size: number;
}

/**
 * One place that keeps off-site copies: a folder, or a prefix in a bucket. Names are plain file
 * names (no folders). Every method throws `OffsiteError`, and gives up with the reason of its
 * `signal` once that aborts (a run past its deadline, the app closing): nothing waits on a place
 * longer than its caller allows.
 */
export interface OffsiteTarget {
  readonly id: TargetId;
  /** How the pages and the log name it: "the mirror folder", "S3". */
  readonly label: string;
  /** Where it is, for a person: the folder's path, or the bucket, prefix and endpoint. */
  readonly where: string;
  /** The files there now, of any name. */
  list(signal?: AbortSignal): Promise<TargetFile[]>;
  /**
   * Writes `body` as `name` so that the name appears only with the whole content: the mirror
   * writes a hidden temporary file, flushes it and renames it; S3 completes an upload or leaves
   * nothing. Replaces a file of that name.
   */
  write(
    name: string,
    body: ReadableStream<Uint8Array> | Uint8Array | string,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Copies a local file whole as `name`, as `write` does, where the target can do it faster than a stream. */
  copyFile?(path: string, name: string, signal?: AbortSignal): Promise<void>;
  /**
   * Writes a local file encrypted as `name` (`sealing`: the age header made for the recipient, and
   * the payload's key), as `write` does, where the target is a file and the work can leave the
   * server's thread: returns the plain and the sealed bytes' digests, as read and as written, and
   * the stored file's, read back.
   */
  sealFile?(
    path: string,
    name: string,
    sealing: { head: Uint8Array; key: Uint8Array },
    options: { onProgress?: (bytes: number) => void; signal?: AbortSignal },
  ): Promise<{ plain: Digest; sealed: Digest; stored: Digest }>;
  read(name: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /** The size and SHA-256 of `name`, where the target tells them with less memory than `read` (a file). */
  digest?(name: string, signal?: AbortSignal): Promise<Digest>;
  /** Removes `name`; a missing one is no error. */
  remove(name: string, signal?: AbortSignal): Promise<void>;
  /**
   * Removes what this installation's interrupted writes left behind, as its ledger names them (the
   * mirror's hidden temporary files, uploads S3 keeps until they are aborted); nothing else.
   */
  tidy(signal?: AbortSignal): Promise<void>;
}

/** Reads a stream to its end as text (a sidecar of at most `limit` bytes). */
export async function readText(stream: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > limit) {
      await stream.cancel().catch(() => {});
      throw new Error(`more than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
