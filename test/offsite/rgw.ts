import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { S3Http } from "../../src/offsite/places/s3/http.ts";
import { atEndOfRun } from "../end-of-run.ts";
import { freePort, tempDir } from "../helpers.ts";

/**
 * A real S3 service for the tests: a throwaway one-node Ceph cluster on loopback (a monitor, an OSD
 * keeping its data in memory, and the RADOS Gateway, the S3 front of production Ceph), from
 * Debian's `ceph-mon`, `ceph-osd` and `radosgw` packages. Unlike s3rver it checks signatures and
 * their time strictly, lists and aborts multipart uploads, and answers with AWS's error codes.
 * Starting one takes a second or two; it is stopped at the end of the run at the latest.
 */
export interface RealS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The environment that points the app at this bucket. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Requests to the bucket, signed with `now` (a clock that is off, in a test). */
  http(now?: () => number): S3Http;
  stop(): void;
}

function run(command: string[], dir: string, what: string): string {
  const result = Bun.spawnSync(command, { timeout: 60_000, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0)
    throw new Error(
      `${what} failed (${result.exitCode}): ${result.stderr.toString().slice(0, 2000)} (logs in ${dir}/log)`,
    );
  return result.stdout.toString();
}

async function until(what: string, ok: () => boolean | Promise<boolean>, dir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (logs in ${dir}/log)`);
    await Bun.sleep(100);
  }
}

function daemonPids(dir: string): number[] {
  try {
    return readdirSync(join(dir, "run"))
      .filter((f) => f.endsWith(".pid"))
      .map((f) => Number(readFileSync(join(dir, "run", f), "utf8").trim()))
      .filter((pid) => Number.isInteger(pid) && pid > 1);
  } catch {
    return [];
  }
}

function stopDaemons(dir: string): void {
  for (const pid of daemonPids(dir)) {
    try {
      // Only a daemon of this cluster: its command line names this folder's configuration.
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(join(dir, "ceph.conf")))
        process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}

const started = new Set<string>();
atEndOfRun(() => {
  for (const dir of started) {
    stopDaemons(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts a cluster with one user and the bucket `test-bucket`. */
export async function startRealS3(): Promise<RealS3> {
  const dir = tempDir("business-app-rgw-");
  started.add(dir);
  for (const sub of ["mon", "osd", "rgw", "run", "log", "crash"])
    Bun.spawnSync(["mkdir", "-p", join(dir, sub)]);
  const monPort = freePort();
  const rgwPort = freePort();
  const fsid = crypto.randomUUID();
  const conf = join(dir, "ceph.conf");
  // No authentication between the daemons (msgr2 only, crc for the gateway); one copy of
  // everything; paxos without its batching delay, so the cluster is up in a second.
  writeFileSync(
    conf,
    `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
auth cluster required = none
auth service required = none
auth client required = none
ms bind msgr1 = false
run dir = ${dir}/run
pid file = ${dir}/run/$name.pid
crash dir = ${dir}/crash
mon cluster log file = ${dir}/log/cluster.log
osd pool default size = 1
osd pool default pg num = 8
mon allow pool size one = true
mon data avail crit = 1
paxos propose interval = 0.01
[mon]
mon data = ${dir}/mon
log file = ${dir}/log/$name.log
[osd]
osd data = ${dir}/osd
log file = ${dir}/log/$name.log
public addr = 127.0.0.1
cluster addr = 127.0.0.1
osd objectstore = memstore
memstore device bytes = 2147483648
[client.rgw.a]
ms mon client mode = crc
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
rgw thread pool size = 16
log file = ${dir}/log/$name.log
`,
  );
  run(
    [
      "monmaptool",
      "--create",
      "--fsid",
      fsid,
      "--addv",
      "a",
      `[v2:127.0.0.1:${monPort}]`,
      join(dir, "monmap"),
    ],
    dir,
    "monmaptool",
  );
  run(["ceph-mon", "-c", conf, "-i", "a", "--mkfs", "--monmap", join(dir, "monmap")], dir, "ceph-mon --mkfs");
  run(["ceph-mon", "-c", conf, "-i", "a"], dir, "ceph-mon");
  const osdUuid = crypto.randomUUID();
  const osdId = run(
    ["ceph", "-c", conf, "--connect-timeout", "10", "osd", "new", osdUuid],
    dir,
    "ceph osd new",
  ).trim();
  run(["ceph-osd", "-c", conf, "-i", osdId, "--mkfs", "--osd-uuid", osdUuid], dir, "ceph-osd --mkfs");
  run(["ceph-osd", "-c", conf, "-i", osdId], dir, "ceph-osd");
  await until(
    "the OSD",
    () =>
      run(["ceph", "-c", conf, "--connect-timeout", "10", "osd", "dump"], dir, "ceph osd dump").includes(
        `osd.${osdId} up`,
      ),
    dir,
  );
  const accessKeyId = `AK${crypto.randomUUID().replaceAll("-", "").slice(0, 18).toUpperCase()}`;
  const secretAccessKey = crypto.randomUUID().replaceAll("-", "");
  run(
    [
      "radosgw-admin",
      "-c",
      conf,
      "user",
      "create",
      "--uid=tester",
      "--display-name=tester",
      `--access-key=${accessKeyId}`,
      `--secret=${secretAccessKey}`,
    ],
    dir,
    "radosgw-admin user create",
  );
  run(["radosgw", "-c", conf, "-n", "client.rgw.a"], dir, "radosgw");
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const bucket = "test-bucket";
  const keys = { endpoint, region: "us-east-1", bucket, accessKeyId, secretAccessKey };
  const http = (now?: () => number) => new S3Http(keys, { answerMs: 10_000, idleMs: 10_000 }, now);
  await until(
    "the gateway to create the bucket",
    () =>
      http()
        .send({ method: "PUT", key: null })
        .then(
          () => true,
          () => false,
        ),
    dir,
  );
  return {
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    env: (extra = {}) => ({
      BUSINESS_APP_OFFSITE_S3_ENDPOINT: endpoint,
      BUSINESS_APP_OFFSITE_S3_BUCKET: bucket,
      BUSINESS_APP_OFFSITE_S3_REGION: "us-east-1",
      BUSINESS_APP_OFFSITE_S3_ACCESS_KEY_ID: accessKeyId,
      BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY: secretAccessKey,
      ...extra,
    }),
    http,
    stop: () => {
      stopDaemons(dir);
      started.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
