import { z } from "zod";
import { isPlainBackupName } from "../../backup/index.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { ageLibrary } from "../crypto/age-library.ts";
import { macMatches, macOf, type PlaceKey } from "../crypto/keys.ts";

/**
 * The sidecar of a copy (`<copy name>.json`), written after the copy: what the copy holds and how
 * to check it, and the backup's story (who made it and why, of which database its data is and when
 * it was taken, whether the app made it). In a place with a key the story is sealed (age, to the
 * place's key: the storage's owner cannot read who wrote what) and the whole sidecar carries a MAC
 * that only the passphrase's holder can make.
 */

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0);
const text = z.string().max(1000);
/** A sealed story: an age file of a few hundred bytes, in base64. */
const SEALED_LIMIT = 16 * 1024;

/** What a sidecar says of the copy itself (every version). */
const copyFields = {
  name: z.string().refine(isPlainBackupName),
  createdAt: z.iso.datetime(),
  /** The backup's own bytes (decrypted, for an encrypted copy). */
  size: count,
  sha256: hex64,
  encrypted: z.boolean(),
  /** The copy's bytes as stored (equal to the above for a plain copy). */
  copySize: count,
  copySha256: hex64,
  copiedAt: z.iso.datetime(),
};

const storySchema = z.object({
  origin: z.enum(["snapshot", "rebuilt"]).nullable(),
  description: text,
  createdBy: text.nullable(),
  databaseId: z.string().max(100).nullable(),
  dataAt: z.iso.datetime().nullable(),
  /** The rows of each table when it was made (what a restore's question shows as "after"). */
  rowCounts: z
    .record(z.string().max(200), count)
    .refine((counts) => Object.keys(counts).length <= 1000, "too many tables")
    .nullable()
    .default(null),
});
/** The backup's story, as its manifest record has it. */
export type Story = z.infer<typeof storySchema>;

const NO_STORY: Story = {
  origin: null,
  description: "",
  createdBy: null,
  databaseId: null,
  dataAt: null,
  rowCounts: null,
};

const fileSchema = z.union([
  z.object({ version: z.literal(1), ...copyFields }),
  z.object({
    version: z.literal(2),
    ...copyFields,
    story: z.union([storySchema, z.string().max(SEALED_LIMIT)]),
    mac: hex64.nullable(),
  }),
]);
type SidecarFile = z.infer<typeof fileSchema>;

/** A sidecar as read: what it says of the copy, its story (when it could be read), and what proves it. */
export interface Sidecar extends Story {
  version: 1 | 2;
  name: string;
  createdAt: string;
  size: number;
  sha256: string;
  encrypted: boolean;
  copySize: number;
  copySha256: string;
  copiedAt: string;
}

/** The text a sidecar's MAC covers: its fields but the MAC, in this fixed order. */
function signedText(file: Omit<Extract<SidecarFile, { version: 2 }>, "mac">): string {
  const { version, name, createdAt, size, sha256, encrypted, copySize, copySha256, copiedAt, story } = file;
  return JSON.stringify({
    version,
    name,
    createdAt,
    size,
    sha256,
    encrypted,
    copySize,
    copySha256,
    copiedAt,
    story,
  });
}

/** A new sidecar's text: its story sealed and the whole signed when the place has a key. */
export async function sidecarText(
  fields: Omit<Sidecar, keyof Story | "version">,
  story: Story,
  key: PlaceKey | null,
): Promise<{ sidecar: Sidecar; text: string }> {
  let stored: Story | string = story;
  if (key) {
    const { Encrypter } = await ageLibrary();
    const encrypter = new Encrypter();
    encrypter.addRecipient(key.recipient);
    stored = Buffer.from(await encrypter.encrypt(JSON.stringify(story))).toString("base64");
  }
  const unsigned = { version: 2 as const, ...fields, story: stored };
  const file = { ...unsigned, mac: key ? macOf(key, signedText(unsigned)) : null };
  return { sidecar: { ...fields, version: 2, ...story }, text: `${JSON.stringify(file, null, 2)}\n` };
}

/** A sidecar read back: what it says, whether its MAC holds under `key`, and the SHA-256 of its text. */
export interface ReadSidecar {
  sidecar: Sidecar;
  /** True when `key` was given and the MAC holds; false otherwise. */
  signed: boolean;
  textSha256: string;
}

/**
 * Parses a sidecar's text (`null` when it is not one). A sealed story is opened only when the MAC
 * holds: nothing unproven is ever decrypted. Without a key a sealed story stays unknown.
 */
export async function readSidecarText(body: string, key: PlaceKey | null): Promise<ReadSidecar | null> {
  let file: SidecarFile;
  try {
    const parsed = fileSchema.safeParse(JSON.parse(body));
    if (!parsed.success) return null;
    file = parsed.data;
  } catch {
    return null;
  }
  const textSha256 = sha256Hex(body);
  const { name, createdAt, size, sha256, encrypted, copySize, copySha256, copiedAt } = file;
  const fields = { name, createdAt, size, sha256, encrypted, copySize, copySha256, copiedAt };
  if (file.version === 1)
    return { sidecar: { ...fields, version: 1, ...NO_STORY }, signed: false, textSha256 };
  const signed = key !== null && file.mac !== null && macMatches(key, signedText(file), file.mac);
  let story: Story = NO_STORY;
  if (typeof file.story !== "string") story = file.story;
  else if (signed && key) story = (await openStory(file.story, key)) ?? NO_STORY;
  return { sidecar: { ...fields, version: 2, ...story }, signed, textSha256 };
}

async function openStory(sealed: string, key: PlaceKey): Promise<Story | null> {
  try {
    const { Decrypter } = await ageLibrary();
    const decrypter = new Decrypter();
    decrypter.addIdentity(key.identity);
    const opened = await decrypter.decrypt(new Uint8Array(Buffer.from(sealed, "base64")), "text");
    const parsed = storySchema.safeParse(JSON.parse(opened));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
