import { join } from "node:path";

/**
 * s3rver as a child process under Node, on loopback, with its own keys and bucket, signatures
 * checked (`s3rver-child.cjs`). It stops by itself when the process that started it ends (its
 * standard input closes). Used by the tests (`s3rver.ts`) and the benchmarks.
 */
export interface S3Server {
  endpoint: string;
  port: number;
  dir: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The environment that points the app at this bucket. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), as a crash or a pulled cable would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (killing itself after `dieAfterBytes` of uploads, if given). */
  restart(options?: { dieAfterBytes?: number }): Promise<void>;
  /** Resolves when it has exited (by itself too). */
  exited(): Promise<number>;
}

const CHILD = join(import.meta.dir, "s3rver-child.cjs");

export interface S3ServerOptions {
  /** The folder it keeps its buckets in. */
  dir: string;
  bucket?: string;
  /** It kills itself once this many bytes of uploads have arrived. */
  dieAfterBytes?: number;
  /** Hears of every process started (a restart starts another). */
  onSpawn?: (proc: ReturnType<typeof Bun.spawn>) => void;
}

async function spawn(
  args: string[],
  options: S3ServerOptions,
  dieAfterBytes: number | undefined,
): Promise<{ proc: ReturnType<typeof Bun.spawn>; port: number }> {
  // s3rver encrypts list continuation tokens with DES, which Node's OpenSSL 3 keeps in its legacy provider.
  const proc = Bun.spawn(["node", "--openssl-legacy-provider", CHILD, ...args], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, ...(dieAfterBytes ? { S3RVER_DIE_AFTER_BYTES: String(dieAfterBytes) } : {}) },
  });
  options.onSpawn?.(proc);
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  // Bounded: a server that starts but never says where it listens is stopped, with a reason.
  const deadline = setTimeout(() => proc.kill(), 30_000);
  try {
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done)
        throw new Error(`s3rver exited before listening (code ${await proc.exited}; it printed "${text}")`);
      text += new TextDecoder().decode(value);
    }
  } finally {
    clearTimeout(deadline);
  }
  // Keep its standard output drained, or a chatty server would block on a full pipe.
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
  return { proc, port: (JSON.parse(text.slice(0, text.indexOf("\n"))) as { port: number }).port };
}

/** Starts s3rver on a free port of 127.0.0.1 with bucket `backups` (unless named) and keys of its own. */
export async function spawnS3Server(options: S3ServerOptions): Promise<S3Server> {
  const dir = options.dir;
  const bucket = options.bucket ?? "backups";
  const accessKeyId = "shop-key-id";
  const secretAccessKey = "shop-secret-key-0123456789";
  let child = await spawn([dir, bucket, accessKeyId, secretAccessKey], options, options.dieAfterBytes);
  const port = child.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const end = async (signal: NodeJS.Signals) => {
    child.proc.kill(signal);
    await child.proc.exited;
  };
  return {
    endpoint,
    port,
    dir,
    bucket,
    accessKeyId,
    secretAccessKey,
    env: (extra = {}) => ({
      BUSINESS_APP_OFFSITE_S3_ENDPOINT: endpoint,
      BUSINESS_APP_OFFSITE_S3_BUCKET: bucket,
      BUSINESS_APP_OFFSITE_S3_ACCESS_KEY_ID: accessKeyId,
      BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY: secretAccessKey,
      ...extra,
    }),
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    async restart(again = {}) {
      child = await spawn(
        [dir, bucket, accessKeyId, secretAccessKey, String(port)],
        options,
        again.dieAfterBytes,
      );
    },
    exited: () => child.proc.exited,
  };
}
