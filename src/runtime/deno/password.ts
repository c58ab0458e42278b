import type { Argon2Params } from "../types.ts";

/** Bun.password's salt and hash lengths, so both runtimes write hashes of one shape. */
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/**
 * An argon2id hash in the PHC string format (`$argon2id$v=19$m=…,t=…,p=1$salt$hash`), which
 * Bun.password verifies as this verifies Bun's: Deno's node:crypto has no argon2, so hash-wasm's
 * WebAssembly computes it (on this thread: about 50 ms at the app's 19 MiB and 2 passes).
 */
export function hashArgon2id(password: string, params: Argon2Params): Promise<string> {
  return oneAtATime(async () =>
    (await hashWasm()).argon2id({
      password,
      salt: crypto.getRandomValues(new Uint8Array(SALT_BYTES)),
      memorySize: params.memoryCost,
      iterations: params.timeCost,
      parallelism: 1,
      hashLength: HASH_BYTES,
      outputType: "encoded",
    }),
  );
}

/**
 * Whether `password` matches a PHC-format hash, with the parameters stored in the hash.
 * Rejects when `hash` is not such a hash.
 */
export function verifyArgon2(password: string, hash: string): Promise<boolean> {
  return oneAtATime(async () => (await hashWasm()).argon2Verify({ password, hash }));
}

/** hash-wasm, loaded at the first hash: its WebAssembly takes a start ~20 ms it has no use for. */
function hashWasm() {
  return import("hash-wasm");
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs the hashes one after another: each takes a WebAssembly memory of its full cost (19 MiB),
 * which is freed only when the garbage collector gets to it, so fifty sign-ins at once would
 * otherwise hold a gigabyte. One at a time they take no longer in all: they share this thread.
 */
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = () => task().finally(collectGarbage);
  const result = queue.then(run, run);
  queue = result.catch(() => {});
  return result;
}

/**
 * A full garbage collection after each hash, where the runtime allows it (`--v8-flags=--expose-gc`,
 * as `deno task start` runs the app): each hash leaves a 19 MiB WebAssembly memory that V8
 * otherwise frees only now and then, so fifty sign-ins grew the process by 100–400 MiB. With it
 * the process stays within ~20 MiB of its idle size, for about 5 ms per hash.
 */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
