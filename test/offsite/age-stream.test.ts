import { afterAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { decryptError, decryptStream, encryptStream } from "../../src/offsite/crypto/age.ts";
import { sealFile } from "../../src/offsite/crypto/seal-file.ts";
import type { OffsiteError } from "../../src/offsite/errors.ts";
import { BUN, cleanEnv, ROOT, tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";

/**
 * The encrypted copies' format, written by our own writer: Debian's age opens every size around
 * a chunk's edge, our reader opens them in pieces of any size, and a flipped byte in any chunk,
 * a copy cut short or run on, is refused by both. The JavaScript path (forced, as on a PC with
 * no native library) writes what age opens.
 */
const KiB = 1024;
const dir = tempDir("business-app-age-stream-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const identity = await generateX25519Identity();
const recipient = await identityToRecipient(identity);
const identityFile = join(dir, "identity.txt");
writeFileSync(identityFile, `${identity}\n`);
const keys = { identity, passphrase: "not the one" };

/** `bytes` as a stream in pieces of `piece` bytes (the last one shorter). */
function inPieces(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

const whole = async (stream: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(stream).arrayBuffer());

async function encrypt(plain: Uint8Array, piece = 1024 * KiB): Promise<Uint8Array> {
  return whole(await encryptStream(inPieces(plain, piece), recipient));
}

async function decrypt(sealed: Uint8Array, piece = 1024 * KiB): Promise<Uint8Array> {
  return whole(await decryptStream(inPieces(sealed, piece), keys, "the copy"));
}

/** What Debian's age makes of `sealed`: the plain bytes, or null when it refuses them. */
function ageOpens(sealed: Uint8Array): Uint8Array | null {
  const input = join(dir, "copy.age");
  const output = join(dir, "copy.out");
  writeFileSync(input, sealed);
  rmSync(output, { force: true });
  const run = Bun.spawnSync(["age", "-d", "-i", identityFile, "-o", output, input], { timeout: 60_000 });
  if (run.exitCode !== 0) return null;
  // age makes its output file at its first byte: none for an empty payload.
  return existsSync(output) ? new Uint8Array(readFileSync(output)) : new Uint8Array(0);
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const same = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.compare(a, b) === 0;

describe("age files written and read here", () => {
  const sizes = [0, 1, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 3 * 1024 * KiB + 7];
  test.skipIf(missing("age"))(
    `sizes ${sizes.join(", ")}: age opens them; so does our reader, in odd pieces`,
    async () => {
      for (const size of sizes) {
        const plain = new Uint8Array(randomBytes(size));
        const sealed = await encrypt(plain, 1000 + (size % 7919));
        expect(same(ageOpens(sealed), plain)).toBe(true);
        expect(same(await decrypt(sealed, 4093), plain)).toBe(true);
        expect(same(await decrypt(sealed), plain)).toBe(true);
      }
    },
  );

  test.skipIf(missing("age"))(
    `a local file of ${sizes.join(", ")} bytes, sealed as a copy is: age opens it, both digests hold`,
    async () => {
      for (const size of sizes) {
        const plain = new Uint8Array(randomBytes(size));
        const path = join(dir, "backup.db");
        writeFileSync(path, plain);
        const file = await sealFile(path, recipient);
        const sealed = await whole(file.stream);
        expect(same(ageOpens(sealed), plain)).toBe(true);
        expect(file.plain()).toEqual({ size, sha256: sha256(plain) });
        expect(file.sealed()).toEqual({ size: sealed.length, sha256: sha256(sealed) });
      }
    },
  );

  test.skipIf(missing("age"))(
    "a flipped byte in any chunk, a copy cut short or run on: refused by both",
    async () => {
      const plain = new Uint8Array(randomBytes(2 * 64 * KiB + 100));
      const sealed = await encrypt(plain);
      const payload = sealed.length - (64 * KiB + 16) * 2 - 116;
      const damaged = [
        ...[10, payload + 5, payload + 64 * KiB + 16 + 9, sealed.length - 1].map((at) => {
          const copy = sealed.slice();
          copy[at] = (copy[at] ?? 0) ^ 0x01;
          return copy;
        }),
        sealed.subarray(0, payload + 2 * (64 * KiB + 16)),
        sealed.subarray(0, sealed.length - 1),
        Buffer.concat([sealed, new Uint8Array(16)]),
      ];
      for (const bytes of damaged) {
        expect(ageOpens(bytes)).toBeNull();
        // As a download maps it: a failure while streaming is the copy's damage.
        const failure = (await decrypt(bytes).catch((error) =>
          decryptError(error, "the copy"),
        )) as OffsiteError;
        expect(failure.code).toBe("offsite.damaged");
      }
    },
  );

  test.skipIf(missing("age"))(
    "the JavaScript path, forced as on a PC with no native library, writes what age opens",
    () => {
      const plain = new Uint8Array(randomBytes(200 * KiB + 3));
      const input = join(dir, "plain.bin");
      writeFileSync(input, plain);
      const script = `import { encryptStream } from "./src/offsite/crypto/age.ts";
      import { chacha20poly1305 } from "#runtime/aead.ts";
      const sealed = await encryptStream(Bun.file(process.argv[1]).stream(), process.argv[2]);
      await Bun.write(process.argv[3], new Response(sealed));
      console.log(chacha20poly1305().name);`;
      const output = join(dir, "sealed-by-javascript.age");
      const run = Bun.spawnSync([BUN, "-e", script, input, recipient, output], {
        cwd: ROOT,
        env: cleanEnv({ BUSINESS_APP_AEAD: "javascript" }),
        timeout: 60_000,
      });
      expect(run.stdout.toString().trim()).toBe("JavaScript (@noble/ciphers)");
      expect(same(ageOpens(new Uint8Array(readFileSync(output))), plain)).toBe(true);
    },
  );
});
