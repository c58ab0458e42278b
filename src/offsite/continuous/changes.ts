import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Chain, type ChainInfo, continuousDir } from "../../backup/index.ts";
import { sha256Hex } from "../../lib/hash.ts";
import { fetchCopy } from "../copies/fetch.ts";
import { fileStream, measuring } from "../copies/streams.ts";
import { encryptStream } from "../crypto/age.ts";
import type { PlaceKey } from "../crypto/keys.ts";
import type { OffsiteTarget } from "../places/target.ts";
import {
  CHANGES_PREFIX,
  type ChainManifest,
  manifestName,
  manifestText,
  objectName,
  type RemoteChain,
  type ShippedFile,
} from "./manifest.ts";

/**
 * Continuous protection's chains taken to a place and back, in the form `manifest.ts` sets out:
 * shipped there file by file, each object written whole before the manifest that lists it, and
 * fetched back for a restore, each file checked against the manifest's sizes and SHA-256.
 */

/** Writes one local file of a chain as its object (encrypted to `key` when given); its sizes and hashes. */
async function putFile(
  target: OffsiteTarget,
  chain: string,
  name: string,
  path: string,
  key: PlaceKey | null,
  signal?: AbortSignal,
): Promise<ShippedFile> {
  const object = objectName(chain, name, key !== null);
  const plain = measuring(signal ? { signal } : {});
  const stored = measuring(signal ? { signal } : {});
  let body = fileStream(path).pipeThrough(plain.stream);
  if (key) body = await encryptStream(body, key.recipient);
  await target.write(object, body.pipeThrough(stored.stream), signal);
  const own = plain.digest();
  const kept = stored.digest();
  return {
    name,
    object,
    size: own.size,
    sha256: own.sha256,
    storedSize: kept.size,
    storedSha256: kept.sha256,
    to: null,
  };
}

export interface ShipRequest {
  target: OffsiteTarget;
  key: PlaceKey | null;
  /** The local chains to be there (within `continuous_keep_days`), oldest first. */
  chains: Chain[];
  /** A chain as it is on disk now (after a merge changed its files), or null when it is gone. */
  reload: (id: string) => Chain | null;
  /** What the app stands behind there: chain id → manifest (its own, proven). */
  known: Map<string, ChainManifest>;
  /**
   * Whether a chain there that is not kept here may go: only one this installation wrote, past
   * the window (never another PC's, nor one that only looks missing here).
   */
  mayRemove: (id: string, manifest: ChainManifest) => boolean;
  /** Called after each manifest written (its SHA-256: the proof of a plain one) and each chain removed. */
  onManifest: (chain: string, manifest: ChainManifest | null, sha256: string | null) => void;
  signal?: AbortSignal;
}

/** A merge removed a file while it was on its way: the chain is read again and the pass goes on. */
class ChainChanged extends Error {}

/**
 * Brings a place's chains up to the local ones: for each chain, the files it lacks are written
 * (the base first, with a manifest right after it, so a long upload is never done twice; then
 * the change files in order), then its manifest; objects the manifest no longer lists (files
 * merged here, objects of a pass that failed) are removed after it. A chain with a problem here
 * (a file that cannot be read) is left there as it is. Chains no longer kept here go only when
 * `mayRemove` says so, manifest first. Returns the time of the newest change now there (ms), or
 * null. Throws `OffsiteError`.
 */
export async function shipChains(request: ShipRequest): Promise<number | null> {
  const { target, signal } = request;
  const listed = new Set((await target.list(signal)).map((f) => f.name));
  let newest: number | null = null;
  for (const first of request.chains) {
    let chain: Chain | null = first;
    for (let attempt = 0; chain; attempt++) {
      try {
        const to = await shipChain(request, chain, listed);
        if (to !== null) newest = Math.max(newest ?? 0, to);
        break;
      } catch (error) {
        if (!(error instanceof ChainChanged) || attempt >= 3) throw error;
        chain = request.reload(chain.info.id);
      }
    }
  }
  const local = new Set(request.chains.map((c) => c.info.id));
  for (const [id, manifest] of request.known) {
    if (local.has(id) || !request.mayRemove(id, manifest)) continue;
    await target.remove(manifestName(id), signal);
    for (const file of manifest.files) await target.remove(file.object, signal);
    request.onManifest(id, null, null);
  }
  return newest;
}

/** One chain brought up to date there (`shipChains`); the newest change there, or null. */
async function shipChain(request: ShipRequest, chain: Chain, listed: Set<string>): Promise<number | null> {
  const { target, key, signal } = request;
  const encrypted = key !== null;
  const id = chain.info.id;
  const before = request.known.get(id);
  const usable = before && before.encrypted === encrypted ? before : null;
  const newestOf = (files: ShippedFile[]) =>
    files.reduce<number | null>((max, f) => (f.to !== null && f.to > (max ?? 0) ? f.to : max), null);
  // A file here that cannot be read: what is there stays as it is.
  if (chain.problem) return newestOf(usable?.files ?? []);
  const have = new Map((usable?.files ?? []).map((f) => [f.name, f]));
  const wanted = [
    { name: "base.db", path: join(chain.dir, "base.db"), to: null as number | null },
    ...chain.files.map((f) => ({ name: f.path.slice(chain.dir.length + 1), path: f.path, to: f.header.to })),
  ];
  const files: ShippedFile[] = [];
  const writeManifest = async (list: ShippedFile[]) => {
    const manifest: ChainManifest = { format: 1, chain: chain.info as ChainInfo, encrypted, files: list };
    const text = manifestText(manifest, key);
    await target.write(manifestName(id), text, signal);
    request.onManifest(id, manifest, sha256Hex(text));
  };
  let changed = !usable;
  for (const file of wanted) {
    if (!existsSync(file.path)) throw new ChainChanged();
    const there = have.get(file.name);
    if (there && there.size === statSync(file.path).size) {
      files.push(there);
      continue;
    }
    files.push({ ...(await putFile(target, id, file.name, file.path, key, signal)), to: file.to });
    changed = true;
    // The base is the long one: once it is there, a manifest says so.
    if (file.name === "base.db")
      await writeManifest([...files, ...[...have.values()].filter((f) => f.name !== "base.db")]);
  }
  const kept = new Set([...files.map((f) => f.object), manifestName(id)]);
  const gone = [...have.values()].filter((f) => !kept.has(f.object));
  if (changed || gone.length > 0) await writeManifest(files);
  for (const file of gone) await target.remove(file.object, signal);
  // What a pass that failed wrote and no manifest lists: this installation's own chain, so it goes.
  const prefix = `${CHANGES_PREFIX}${id}_`;
  for (const name of listed)
    if (name.startsWith(prefix) && !kept.has(name) && !gone.some((f) => f.object === name))
      await target.remove(name, signal);
  return newestOf(files);
}

/**
 * Downloads the chain `remote` from `target` into `root`'s continuous folder (`root` is a
 * temporary backup folder): `chain.json` from the manifest, and its base and every change file
 * captured up to `until` (ms), each decrypted and checked against the manifest's sizes and
 * SHA-256. `buildPointInTime(root, …)` then builds the moment from them.
 */
export async function fetchChain(
  target: OffsiteTarget,
  remote: RemoteChain,
  until: number,
  root: string,
  keys: { key: PlaceKey | null; passphrase: string | null },
  signal?: AbortSignal,
): Promise<void> {
  const { manifest } = remote;
  const dir = join(continuousDir(root), manifest.chain.id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const needed = manifest.files.filter(
    (f) => f.name === "base.db" || (f.to ?? 0) <= until || isFirstAfter(manifest, f, until),
  );
  for (const file of needed) {
    const destination = join(dir, file.name);
    const temp = await fetchCopy({
      target,
      copy: {
        copyName: file.object,
        encrypted: manifest.encrypted,
        copySize: file.storedSize,
        copySha256: file.storedSha256,
        size: file.size,
        sha256: file.sha256,
        createdAt: new Date(manifest.chain.createdAt).toISOString(),
      },
      destination,
      passphrase: keys.passphrase,
      key: keys.key,
      ...(signal ? { signal } : {}),
    });
    rmSync(destination, { force: true });
    renameSync(temp, destination);
  }
  writeFileSync(join(dir, "chain.json"), `${JSON.stringify(manifest.chain)}\n`, { mode: 0o600 });
}

/** The first change file that goes past `until`: it holds the transactions up to it, and the next moment. */
function isFirstAfter(manifest: ChainManifest, file: ShippedFile, until: number): boolean {
  const after = manifest.files.filter((f) => f.to !== null && f.to > until);
  return after[0] === file;
}
