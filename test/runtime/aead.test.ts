import { describe, expect, test } from "bun:test";
import { chacha20poly1305 } from "#runtime/aead.ts";
import { NATIVE_LIBRARIES, nativeAead } from "../../src/runtime/bun/aead.ts";
import { passesKnownAnswer, RFC8439_VECTOR } from "../../src/runtime/shared/aead-check.ts";
import { javascriptAead } from "../../src/runtime/shared/aead-js.ts";
import type { Aead } from "../../src/runtime/types.ts";
import { BUN, cleanEnv, ROOT } from "../helpers.ts";

/**
 * ChaCha20-Poly1305 as the off-site copies use it: every path (each system library found here,
 * the JavaScript fallback) against RFC 8439's example and against each other on sizes around a
 * chunk, and against Node's OpenSSL where Node is installed. Deno's path is checked in its seam.
 */
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const present = NATIVE_LIBRARIES.map((soname) => nativeAead(soname)).filter((a): a is Aead => a !== null);
const paths = [...present, javascriptAead];
const key = crypto.getRandomValues(new Uint8Array(32));
const nonce = crypto.getRandomValues(new Uint8Array(12));
const SIZES = [0, 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1];
const plains = SIZES.map((size) => crypto.getRandomValues(new Uint8Array(size)));

function seal(aead: Aead, plain: Uint8Array, aad?: Uint8Array): Uint8Array {
  const out = new Uint8Array(plain.length + 16);
  aead.seal(key, nonce, plain, out, aad);
  return out;
}

describe("ChaCha20-Poly1305", () => {
  test("this machine has a native library, and the runtime picks it", () => {
    expect(present.length).toBeGreaterThan(0);
    expect(chacha20poly1305().name).toBe(present[0]?.name as string);
  });

  for (const aead of paths)
    test(`${aead.name}: RFC 8439's example, sizes around a chunk as the JavaScript path, a flipped bit refused`, () => {
      expect(passesKnownAnswer(aead)).toBe(true);
      const out = new Uint8Array(RFC8439_VECTOR.sealed.length);
      aead.seal(RFC8439_VECTOR.key, RFC8439_VECTOR.nonce, RFC8439_VECTOR.plain, out, RFC8439_VECTOR.aad);
      expect(hex(out)).toBe(hex(RFC8439_VECTOR.sealed));
      for (const plain of plains) {
        const sealed = seal(aead, plain);
        expect(hex(sealed)).toBe(hex(seal(javascriptAead, plain)));
        const back = new Uint8Array(plain.length);
        expect(aead.open(key, nonce, sealed, back)).toBe(true);
        expect(hex(back)).toBe(hex(plain));
        for (const at of [0, Math.floor(sealed.length / 2), sealed.length - 1]) {
          const flipped = sealed.slice();
          flipped[at] = (flipped[at] ?? 0) ^ 0x80;
          expect(aead.open(key, nonce, flipped, back)).toBe(false);
        }
        expect(aead.open(key, nonce, sealed.subarray(0, 15), back)).toBe(false);
      }
    });

  for (const aead of present)
    test(`${aead.name}: a key, nonce or room of the wrong size is refused before the library sees the buffers`, () => {
      const plain = new Uint8Array(100);
      expect(() => aead.seal(key.subarray(0, 31), nonce, plain, new Uint8Array(116))).toThrow(RangeError);
      expect(() => aead.seal(key, nonce.subarray(0, 8), plain, new Uint8Array(116))).toThrow(RangeError);
      expect(() => aead.seal(key, nonce, plain, new Uint8Array(115))).toThrow(RangeError);
      const sealed = seal(aead, plain);
      expect(() => aead.open(key, nonce, sealed, new Uint8Array(99))).toThrow(RangeError);
    });

  test.skipIf(Bun.which("node") === null)("the runtime's path seals as Node's OpenSSL does", () => {
    const plain = plains[4] as Uint8Array;
    const script = `const c = require("node:crypto").createCipheriv("chacha20-poly1305", Buffer.from(process.argv[1], "hex"), Buffer.from(process.argv[2], "hex"), { authTagLength: 16 });
      const chunks = []; process.stdin.on("data", (d) => chunks.push(d)).on("end", () => {
      const body = Buffer.concat([c.update(Buffer.concat(chunks)), c.final(), c.getAuthTag()]);
      process.stdout.write(body.toString("hex")); });`;
    const node = Bun.spawnSync(["node", "-e", script, hex(key), hex(nonce)], {
      stdin: plain,
      timeout: 30_000,
    });
    expect(node.exitCode).toBe(0);
    expect(node.stdout.toString()).toBe(hex(seal(chacha20poly1305(), plain)));
  });

  test("BUSINESS_APP_AEAD (tests only) forces the JavaScript path, or one library", () => {
    const script = `import { chacha20poly1305 } from "#runtime/aead.ts"; console.log(chacha20poly1305().name);`;
    const nameUnder = (value: string) =>
      Bun.spawnSync([BUN, "-e", script], {
        cwd: ROOT,
        env: cleanEnv({ BUSINESS_APP_AEAD: value }),
        timeout: 30_000,
      })
        .stdout.toString()
        .trim();
    expect(nameUnder("javascript")).toBe(javascriptAead.name);
    const last = present.at(-1) as Aead;
    expect(nameUnder(last.name.split(" ")[0] as string)).toBe(last.name);
  });
});
