import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decryptStream } from "../../src/offsite/crypto/age.ts";
import { KEY_FILE, openPlaceKey } from "../../src/offsite/crypto/keys.ts";
import { addItems } from "../backup/fixtures.ts";
import { tempDir } from "../helpers.ts";
import { missing } from "../tools.ts";
import { ageDecrypt, agePassphraseEncrypt } from "./age-cli.ts";
import { offsiteSetup, sha256Of } from "./offsite-fixtures.ts";

/**
 * A place an older version wrote: each copy encrypted with the passphrase itself by `age -p`
 * (one scrypt stanza), a sidecar of version 1, no key file. After the upgrade the next run makes
 * the key file and new copies (which Debian's age opens with it: `mirror.test.ts`); the old copies
 * stay, and still open with the passphrase.
 */
const PASSPHRASE = "correct horse battery staple";
const header = (path: string) => readFileSync(path).subarray(0, 40).toString("latin1");

describe("a place of an older version's copies", () => {
  test.skipIf(missing("age"))(
    "gets its key file and new copies; the old copies stay and open with the passphrase",
    async () => {
      const mirror = tempDir("business-app-mirror-");
      const env = { BUSINESS_APP_OFFSITE_MIRROR_DIR: mirror, BUSINESS_APP_OFFSITE_PASSPHRASE: PASSPHRASE };
      const shop = offsiteSetup(env);
      addItems(shop.db, ["bread"]);
      const old = await shop.engine.createBackup({
        kind: "manual",
        description: "copied by the older version",
      });
      shop.clock.advance(60_000);
      addItems(shop.db, ["butter"]);
      const kept = await shop.engine.createBackup({ kind: "manual", description: "made after the upgrade" });
      // The copy the older version made of it: `age -p`, and a sidecar of version 1.
      const oldCopy = join(mirror, `${old.name}.age`);
      const made = await agePassphraseEncrypt(shop.engine.pathOf(old.name), oldCopy, PASSPHRASE);
      expect(made.exitCode).toBe(0);
      const sidecar = {
        version: 1,
        name: old.name,
        createdAt: old.createdAt,
        size: old.size,
        sha256: old.sha256,
        encrypted: true,
        copySize: statSync(oldCopy).size,
        copySha256: sha256Of(oldCopy),
        copiedAt: old.createdAt,
      };
      writeFileSync(`${oldCopy}.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
      // The older copy is now only off-site.
      await shop.engine.deleteBackup(old.name);
      const oldBytes = sha256Of(oldCopy);

      const [run] = await shop.offsite.syncNow();
      expect(run?.error).toBeNull();
      expect(run?.report?.copied.map((c) => c.name)).toEqual([kept.name]);
      const key = await openPlaceKey(shop.offsite.target("mirror"), PASSPHRASE);
      expect(key).not.toBeNull();
      // The backup here is copied, to the place's key; the old copy is as it was.
      expect(header(join(mirror, `${kept.name}.age`))).toStartWith("age-encryption.org/v1\n-> X25519 ");
      expect(header(oldCopy)).toStartWith("age-encryption.org/v1\n-> scrypt ");
      expect(sha256Of(oldCopy)).toBe(oldBytes);

      // Old copies open with the passphrase: by hand with `age -d`, and in BusinessApp.
      const out = join(tempDir("business-app-opened-"), "business_data.db");
      expect((await ageDecrypt(oldCopy, out, PASSPHRASE)).exitCode).toBe(0);
      expect(sha256Of(out)).toBe(old.sha256 as string);
      const plain = await decryptStream(
        await shop.offsite.target("mirror").read(`${old.name}.age`),
        { identity: key?.identity ?? null, passphrase: PASSPHRASE },
        old.name,
      );
      const bytes = new Uint8Array(await new Response(plain).arrayBuffer());
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(old.sha256 as string);

      // A new PC finding a copy to a key whose key file is gone: refused, never a new key.
      rmSync(join(mirror, KEY_FILE));
      const newPc = offsiteSetup(env);
      const [refused] = await newPc.offsite.syncNow();
      expect(refused?.error?.message).toStartWith(`${KEY_FILE} is missing from the mirror folder`);
    },
  );
});
