import { hkdfSync, randomBytes, scrypt } from "node:crypto";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import type { Decrypter, Identity, Recipient } from "age-encryption";
import { openPayload, sealPayload } from "../../lib/age-stream.ts";
import { AppError } from "../../lib/errors.ts";
import { OffsiteError, storeError } from "../errors.ts";
import { headerFor, splitAgeFile } from "./age-header.ts";
import { ageLibrary } from "./age-library.ts";

/**
 * The standard age format, so `age -d` opens every copy on any machine. Copies are encrypted to an
 * X25519 recipient (no key derivation per copy: the payload streams at ChaCha20-Poly1305's speed);
 * its identity is kept in the place itself, encrypted with the passphrase (an `scrypt` recipient,
 * `keys.ts`). The passphrase's scrypt is the runtime's native one, which runs off the main thread:
 * `2^18 × 1 KiB` = 256 MiB of memory for about a second, once per place and process. Copies that
 * an older version encrypted with the passphrase itself still open.
 */
const SCRYPT_WORK_FACTOR = 18;
/** The highest work factor a file may ask for when it is opened (1 GiB of memory), as age's own library. */
const HIGHEST_WORK_FACTOR = 20;
const LABEL = "age-encryption.org/v1/scrypt";
const ZERO_NONCE = new Uint8Array(12);

function deriveKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Uint8Array> {
  const labelAndSalt = Buffer.concat([Buffer.from(LABEL), salt]);
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase,
      labelAndSalt,
      32,
      { N, r: 8, p: 1, maxmem: 1024 * N + 2 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(new Uint8Array(key))),
    ),
  );
}

const base64NoPad = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64").replace(/=+$/, "");

function passphraseRecipient(passphrase: string): Recipient {
  return {
    async wrapFileKey(fileKey) {
      const salt = new Uint8Array(randomBytes(16));
      const key = await deriveKey(passphrase, salt, SCRYPT_WORK_FACTOR);
      const body = chacha20poly1305(key, ZERO_NONCE).encrypt(fileKey);
      const { Stanza } = await ageLibrary();
      return [new Stanza(["scrypt", base64NoPad(salt), String(SCRYPT_WORK_FACTOR)], body)];
    },
  };
}

function passphraseIdentity(passphrase: string): Identity {
  return {
    async unwrapFileKey(stanzas) {
      const stanza = stanzas.find((s) => s.args[0] === "scrypt");
      if (!stanza) return null;
      const [, saltText = "", logText = ""] = stanza.args;
      const salt = new Uint8Array(Buffer.from(saltText, "base64"));
      const logN = Number(logText);
      if (
        stanzas.length !== 1 ||
        stanza.args.length !== 3 ||
        salt.length !== 16 ||
        !/^[1-9]\d*$/.test(logText)
      )
        throw new Error("invalid scrypt stanza");
      if (logN > HIGHEST_WORK_FACTOR) throw new Error("scrypt work factor is too high");
      if (stanza.body.length !== 32) throw new Error("invalid stanza");
      const key = await deriveKey(passphrase, salt, logN);
      try {
        return chacha20poly1305(key, ZERO_NONCE).decrypt(stanza.body);
      } catch {
        // Another passphrase: this identity does not match (the library then says so).
        return null;
      }
    },
  };
}

/** Text encrypted with `passphrase` as a small age file (the place's key file). */
export async function encryptWithPassphrase(text: string, passphrase: string): Promise<Uint8Array> {
  const { Encrypter } = await ageLibrary();
  const encrypter = new Encrypter();
  encrypter.addRecipient(passphraseRecipient(passphrase));
  return encrypter.encrypt(text);
}

/** `work` with a decrypter holding the passphrase; its failure as `decryptError` says it of `name`. */
async function withPassphrase<T>(
  passphrase: string,
  name: string,
  work: (d: Decrypter) => Promise<T>,
): Promise<T> {
  const { Decrypter } = await ageLibrary();
  const decrypter = new Decrypter();
  decrypter.addIdentity(passphraseIdentity(passphrase));
  try {
    return await work(decrypter);
  } catch (error) {
    throw decryptError(error, name);
  }
}

/** The text of a small age file encrypted with `passphrase`; `offsite.wrong_passphrase` when it does not open it. */
export function decryptWithPassphrase(file: Uint8Array, passphrase: string, name: string): Promise<string> {
  return withPassphrase(passphrase, name, (decrypter) => decrypter.decrypt(file, "text"));
}

/**
 * Opens the file key in an age `header` encrypted with the passphrase itself (copies of older
 * versions); `offsite.wrong_passphrase` when it does not, `offsite.damaged` when it is no header.
 */
export async function openWithPassphrase(
  header: Uint8Array,
  passphrase: string,
  name: string,
): Promise<void> {
  await withPassphrase(passphrase, name, (decrypter) => decrypter.decryptHeader(header));
}

/**
 * `plain` encrypted to the X25519 `recipient` (`age1…`) as an age file, streamed: the header by
 * age's library, the payload sealed here at the runtime's native speed (`age-stream.ts`).
 */
export async function encryptStream(
  plain: ReadableStream<Uint8Array>,
  recipient: string,
): Promise<ReadableStream<Uint8Array>> {
  const { head, key } = await newFile(recipient);
  return plain.pipeThrough(sealPayload(key, head));
}

/** A new age file to `recipient`: its first bytes (the header, the nonce) and its payload's key. */
export async function newFile(recipient: string): Promise<{ head: Uint8Array; key: Uint8Array }> {
  const { header, fileKey } = await headerFor(recipient);
  const nonce = new Uint8Array(randomBytes(16));
  const head = new Uint8Array(header.length + nonce.length);
  head.set(header);
  head.set(nonce, header.length);
  return { head, key: payloadKey(fileKey, nonce) };
}

/** The payload's key: HKDF-SHA256 of the file key, salted with the file's nonce. */
function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", fileKey, nonce, "payload", 32));
}

/** What opens an encrypted copy: the place's identity, and the passphrase (copies of older versions). */
export interface CopyKeys {
  identity: string | null;
  passphrase: string;
}

/**
 * The plain bytes of the age file `encrypted`, streamed; each chunk is authenticated before it is
 * given out, so a damaged file fails at the damaged chunk (decrypt to a temporary file and keep
 * it only after a clean end). Rejects with `OffsiteError` `offsite.wrong_passphrase` when neither
 * key opens it, and `offsite.damaged` when it is not an intact age file.
 */
export async function decryptStream(
  encrypted: ReadableStream<Uint8Array>,
  keys: CopyKeys,
  name: string,
): Promise<ReadableStream<Uint8Array>> {
  const { Decrypter } = await ageLibrary();
  const decrypter = new Decrypter();
  if (keys.identity) decrypter.addIdentity(keys.identity);
  decrypter.addIdentity(passphraseIdentity(keys.passphrase));
  try {
    const { header, nonce, payload } = await splitAgeFile(encrypted);
    try {
      const fileKey = await decrypter.decryptHeader(header);
      return payload.pipeThrough(openPayload(payloadKey(fileKey, nonce)));
    } catch (error) {
      payload.cancel().catch(() => {});
      throw error;
    }
  } catch (error) {
    throw decryptError(error, name);
  }
}

/**
 * What a failure while reading an encrypted copy means: the storage's own failure, a wrong
 * passphrase, or a damaged copy.
 */
export function decryptError(error: unknown, name: string): Error {
  if (error instanceof AppError) return error;
  if (error instanceof Error && error.name === "S3Failure") return storeError(error);
  const message = error instanceof Error ? error.message : String(error);
  if (/no identity matched/.test(message))
    return new OffsiteError(
      "offsite.wrong_passphrase",
      `the passphrase does not open ${name}`,
      "offsite_passphrase is not the one it was encrypted with",
    );
  // The library's own words may quote the file (its first line): fixed words instead.
  return new OffsiteError("offsite.damaged", `${name} is damaged`, "it is not an intact age file", {
    cause: error,
  });
}
