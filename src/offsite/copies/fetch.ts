import { open, rm, utimes } from "node:fs/promises";
import { isDiskFull } from "#runtime/errors.ts";
import { DiskFullError } from "../../backup/index.ts";
import { tempPathFor } from "../../lib/files/temp-name.ts";
import { decryptError, decryptStream } from "../crypto/age.ts";
import type { PlaceKey } from "../crypto/keys.ts";
import { OffsiteError } from "../errors.ts";
import type { OffsiteTarget } from "../places/target.ts";
import type { RemoteCopy } from "./copies.ts";
import { measuring } from "./streams.ts";

/** What a download needs to know of a copy: its names, its sizes and hashes (as stored and its own). */
export type FetchedCopy = Pick<
  RemoteCopy,
  "copyName" | "encrypted" | "copySize" | "copySha256" | "size" | "sha256" | "createdAt"
>;

export interface FetchRequest {
  target: OffsiteTarget;
  copy: FetchedCopy;
  /** Where the backup goes (in the backup folder, under its own name): the download is written beside it. */
  destination: string;
  passphrase: string | null;
  /** The place's key, opened with the passphrase: what opens the copies made by this version. */
  key: PlaceKey | null;
  /** The bytes of the copy read so far (of `copy.copySize`). */
  onProgress?: (bytes: number) => void;
  /** Gives the download up (with its reason): a deadline. */
  signal?: AbortSignal;
}

/** The most an age file's header may be before its payload begins: a few lines, far less than this. */
const AGE_HEADER_LIMIT = 64 * 1024;

/**
 * Passes an age file through once its header has ended (the `---` line) within the first
 * `AGE_HEADER_LIMIT` bytes: the age library would otherwise read an endless first line into memory.
 */
function ageHeaderGuard(name: string): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  let tail = "";
  let done = false;
  return new TransformStream({
    transform(chunk, out) {
      if (!done) {
        const text = tail + Buffer.from(chunk.subarray(0, AGE_HEADER_LIMIT - seen)).toString("latin1");
        const mark = text.indexOf("\n--- ");
        done = mark >= 0 && text.indexOf("\n", mark + 5) >= 0;
        seen += chunk.byteLength;
        tail = text.slice(-80);
        if (!done && seen >= AGE_HEADER_LIMIT)
          throw new OffsiteError("offsite.damaged", `${name} is damaged`, "it is not an age file");
      }
      out.enqueue(chunk);
    },
  });
}

/** The hidden temporary name a download is written to (a leftover the app's start removes). */
function fetchTempPath(destination: string): string {
  return tempPathFor(destination, "offsite");
}

/**
 * Downloads an off-site copy to the hidden temporary file beside `destination`
 * (`fetchTempPath`), and returns its path: read, decrypted when it is encrypted (each chunk
 * authenticated), written, flushed; its size and SHA-256 must be the sidecar's, the copy's as
 * stored and the backup's own. The caller moves it into place (under the operation lock, see
 * `restoreFromOffsite`) or removes it. On failure nothing is left behind. Throws `OffsiteError`
 * (`offsite.no_passphrase`, `offsite.wrong_passphrase`, `offsite.damaged`, the storage's own),
 * or `DiskFullError` when the local disk fills up.
 */
export async function fetchCopy(request: FetchRequest): Promise<string> {
  const { copy, passphrase, signal } = request;
  if (copy.encrypted && passphrase === null)
    throw new OffsiteError(
      "offsite.no_passphrase",
      `${copy.copyName} is encrypted and no passphrase is set`,
      "set BUSINESS_APP_OFFSITE_PASSPHRASE, or offsite_passphrase in the config file, to the passphrase it was made with",
    );
  const temp = fetchTempPath(request.destination);
  try {
    // Never more than the sidecar says: a place that sends more fills no disk, nor memory.
    const longer = () =>
      new OffsiteError(
        "offsite.damaged",
        `the copy ${copy.copyName} is damaged`,
        "it is longer than its sidecar says",
      );
    const stored = measuring({
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      ...(signal ? { signal } : {}),
      limit: { bytes: copy.copySize, tooLong: longer },
    });
    let body = (await request.target.read(copy.copyName, signal)).pipeThrough(stored.stream);
    if (copy.encrypted && passphrase !== null)
      body = await decryptStream(
        body.pipeThrough(ageHeaderGuard(copy.copyName)),
        { identity: request.key?.identity ?? null, passphrase },
        copy.copyName,
      );
    const plain = measuring({ limit: { bytes: copy.size, tooLong: longer } });
    const file = await open(temp, "wx", 0o600);
    try {
      for await (const chunk of body.pipeThrough(plain.stream)) await file.write(chunk);
      await file.sync();
    } finally {
      await file.close();
    }
    const got = { stored: stored.digest(), plain: plain.digest() };
    if (
      got.stored.size !== copy.copySize ||
      got.stored.sha256 !== copy.copySha256 ||
      got.plain.size !== copy.size ||
      got.plain.sha256 !== copy.sha256
    ) {
      throw new OffsiteError(
        "offsite.damaged",
        `the copy ${copy.copyName} is damaged`,
        `${request.target.where}: its SHA-256 is not the one recorded when it was copied`,
      );
    }
    // A startup backup's time comes from its file's modification time: it keeps the one it was made at.
    await utimes(temp, new Date(), new Date(copy.createdAt));
    return temp;
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    if (isDiskFull(error)) throw new DiskFullError();
    throw copy.encrypted ? decryptError(error, copy.copyName) : error;
  }
}
