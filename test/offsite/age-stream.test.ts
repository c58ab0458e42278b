import { afterAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { payloadSealer, roomFor } from "../../src/lib/age-stream.ts";
import { sealFileTo } from "../../src/lib/files/seal-to-file.ts";
import { decryptError, decryptStream, encryptStream, newFile } from "../../src/offsite/crypto/age.ts";
import { sealFile } from "../../src/offsite/crypto/seal-file.ts";
import type { OffsiteError } from "../../src/offsite/errors.ts";
import { BUN, cleanEnv, ROOT, tempDir } from "../helpers.ts";
import { seededRandom } from "../random.ts";
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

  test.skipIf(missing("age"))(
    "a file sealed into a file in the worker's way: age opens it, and both digests are of the very bytes",
    async () => {
      for (const size of [0, 64 * KiB, 2 * 1024 * KiB + 5, 5 * 1024 * KiB]) {
        const plain = new Uint8Array(randomBytes(size));
        const source = join(dir, `plain-${size}`);
        const target = join(dir, `sealed-${size}.age`);
        writeFileSync(source, plain);
        rmSync(target, { force: true });
        const told: number[] = [];
        const digests = sealFileTo({ source, target, ...(await newFile(recipient)) }, (n) => told.push(n));
        const sealed = new Uint8Array(readFileSync(target));
        expect(same(ageOpens(sealed), plain)).toBe(true);
        expect(same(await decrypt(sealed, 4093), plain)).toBe(true);
        expect(digests.plain).toEqual({ size, sha256: sha256(plain) });
        expect(digests.sealed).toEqual({ size: sealed.length, sha256: sha256(sealed) });
        // How far it came, after each MiB read.
        expect(told).toEqual(
          Array.from({ length: Math.ceil(size / (1024 * KiB)) }, (_, i) =>
            Math.min(size, (i + 1) * 1024 * KiB),
          ),
        );
        // A file already there is never written over.
        expect(() => sealFileTo({ source, target, ...plainHead() })).toThrow();
        expect(same(new Uint8Array(readFileSync(target)), sealed)).toBe(true);
      }
    },
  );

  test("sealing into a kept buffer gives the bytes a new buffer each time gives (300 seeded cases)", () => {
    const random = seededRandom(7);
    const key = new Uint8Array(randomBytes(32));
    for (let round = 0; round < 300; round++) {
      const fresh = payloadSealer(key);
      const kept = payloadSealer(key);
      const room = roomFor(1024 * KiB);
      for (let push = Math.floor(random() * 6); push >= 0; push--) {
        const data = new Uint8Array(randomBytes(Math.floor(random() * 1024 * KiB)));
        const a = fresh.push(data);
        const b = kept.push(data, room);
        expect(b === null ? null : Buffer.from(b).toString("hex")).toBe(
          a === null ? null : Buffer.from(a).toString("hex"),
        );
      }
      expect(Buffer.compare(fresh.end(), kept.end())).toBe(0);
    }
  });
});

/** A header and key of no use: for a write that must be refused before it starts. */
function plainHead() {
  return { head: new Uint8Array(0), key: new Uint8Array(32) };
}
