import { z } from "zod";
import { sha256Hex } from "../../lib/hash.ts";
import { macMatches, macOf, type PlaceKey } from "../crypto/keys.ts";
import { OffsiteError } from "../errors.ts";
import { type OffsiteTarget, readText } from "../places/target.ts";

/**
 * Continuous protection's chains in an off-site place: each local chain file (its base, its
 * change files) as an object `continuous_<chain>_<file>` (`.age` when encrypted to the place's
 * key), and a manifest `continuous_<chain>.json` written after them, listing each object with its
 * sizes and SHA-256 (as stored and its own). With the place's key the manifest carries a MAC, so
 * only the passphrase's holder can make one the app believes; without it, a manifest counts as
 * the app's own only when this installation recorded writing exactly it (`shipped`). An object
 * no manifest lists is not part of any chain. The manifest is written before objects it no
 * longer lists are removed (merged files, a chain past `continuous_keep_days`), so a chain there
 * is always whole.
 */

export const CHANGES_PREFIX = "continuous_";
const MANIFEST_LIMIT = 1024 * 1024;
const AGE_SUFFIX = ".age";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0);
const fileSchema = z.object({
  name: z.string().regex(/^(base\.db|L\d{1,2}-\d{12}-\d{12}\.changes)$/),
  object: z.string().max(300),
  size: count,
  sha256: hex64,
  storedSize: count,
  storedSha256: hex64,
  /** For a change file: when its last transaction was captured (ms). */
  to: count.nullable(),
});
export type ShippedFile = z.infer<typeof fileSchema>;

const infoSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(/^\d{8}_\d{6}_[0-9a-f]{4}$/),
  databaseId: z.string().max(100).nullable(),
  createdAt: count,
  pageSize: count,
  size: count,
  state: hex64,
});

const manifestSchema = z.object({
  format: z.literal(1),
  chain: infoSchema,
  encrypted: z.boolean(),
  files: z.array(fileSchema).max(10_000),
});
export type ChainManifest = z.infer<typeof manifestSchema>;

/** A manifest as stored: its body as text (exactly what the MAC covers) and the MAC, or null. */
const storedSchema = z.object({ body: z.string(), mac: hex64.nullable() });

/** The object a local chain file is stored as. */
export const objectName = (chain: string, file: string, encrypted: boolean) =>
  `${CHANGES_PREFIX}${chain}_${file}${encrypted ? AGE_SUFFIX : ""}`;
export const manifestName = (chain: string) => `${CHANGES_PREFIX}${chain}.json`;
const MANIFEST_NAME = /^continuous_(\d{8}_\d{6}_[0-9a-f]{4})\.json$/;

/** True for every name continuous protection uses in a place (judged here, never by the copies' rules). */
export const isChangesObject = (name: string) => name.startsWith(CHANGES_PREFIX);

/** What a place holds of one chain, as its manifest says, and whether the app stands behind it. */
export interface RemoteChain {
  manifest: ChainManifest;
  /** Its MAC holds under the place's key, or this installation recorded writing exactly it. */
  proven: boolean;
  /** The SHA-256 of the stored manifest. */
  sha256: string;
}

/** The stored text of a manifest, MAC'd with `key` when there is one. */
export function manifestText(manifest: ChainManifest, key: PlaceKey | null): string {
  const body = JSON.stringify(manifest);
  return JSON.stringify({ body, mac: key ? macOf(key, body) : null });
}

/**
 * The chains a place holds: every manifest there that reads as one (at most `MANIFEST_LIMIT`
 * bytes, its schema, its objects all listed by the place with the sizes it gives), proven by its
 * MAC under `key`, or (without a key) by `recorded` (manifest SHA-256s this installation wrote).
 * A manifest without a MAC in a place with a key proves nothing and is left out.
 */
export async function readRemoteChains(
  target: OffsiteTarget,
  key: PlaceKey | null,
  recorded: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<RemoteChain[]> {
  const files = await target.list(signal);
  const sizes = new Map(files.map((f) => [f.name, f.size]));
  const chains: RemoteChain[] = [];
  for (const file of files) {
    const id = MANIFEST_NAME.exec(file.name)?.[1];
    if (!id || file.size > MANIFEST_LIMIT) continue;
    let text: string;
    try {
      text = await readText(await target.read(file.name, signal), MANIFEST_LIMIT);
    } catch (error) {
      if (error instanceof OffsiteError && error.code !== "offsite.not_found") throw error;
      continue;
    }
    const stored = storedSchema.safeParse(safeJson(text));
    if (!stored.success) continue;
    const parsed = manifestSchema.safeParse(safeJson(stored.data.body));
    if (!parsed.success || parsed.data.chain.id !== id) continue;
    const manifest = parsed.data;
    const whole = manifest.files.every(
      (f) => f.object === objectName(id, f.name, manifest.encrypted) && sizes.get(f.object) === f.storedSize,
    );
    if (!whole) continue;
    const sha256 = sha256Hex(text);
    const proven = key
      ? stored.data.mac !== null && macMatches(key, stored.data.body, stored.data.mac)
      : recorded.has(sha256);
    if (key && !proven) continue;
    chains.push({ manifest, proven, sha256 });
  }
  return chains.sort((a, b) => a.manifest.chain.createdAt - b.manifest.chain.createdAt);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
