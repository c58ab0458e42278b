import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { S3Http } from "../../src/offsite/places/s3/http.ts";
import { addUserByCli, runCli, tempDir } from "../helpers.ts";
import { LEAK, placeEnv, silentPlace, skewedService, webService } from "./fake-places.ts";
import { type S3Server, startS3Server } from "./s3rver.ts";

/**
 * What the command line says of places that misbehave, and what it stores, as the app runs it
 * (`npm test` runs this file with the executable and again under `deno run`): both runtimes give
 * the same words, and both label what they store.
 */
describe("the connection test, from the command line", () => {
  const cases: [string, () => { endpoint: string }, string][] = [
    [
      "an internal web service",
      webService,
      "FAILED  S3 (bucket shop at ENDPOINT): the address does not answer as an S3 storage service (no listing, HTTP 200: check offsite_s3_endpoint)",
    ],
    [
      "a service whose clock is 21 minutes ahead",
      () => skewedService(21),
      "FAILED  S3 (bucket shop at ENDPOINT): this PC's clock is 21 minutes off: correct the clock (HTTP 403, RequestTimeTooSkewed: the storage service refuses requests signed with a time that far from its own)",
    ],
    [
      "a place that never answers",
      silentPlace,
      "FAILED  S3 (bucket shop at ENDPOINT): the storage service did not answer in time (no answer within 1 s: try again later, or check the network)",
    ],
  ];
  for (const [what, start, line] of cases) {
    test(`${what}: a classification and the status, nothing it sent; exit 1`, async () => {
      const place = start();
      const env = placeEnv(place as Parameters<typeof placeEnv>[0], {
        BUSINESS_APP_OFFSITE_TIMEOUT_SECONDS: "1",
      });
      const tested = await runCli(["offsite", "test", "--data-dir", tempDir()], { env });
      expect(tested.stdout).toBe(`${line.replace("ENDPOINT", place.endpoint)}\n`);
      expect(tested.stdout + tested.stderr).not.toContain(LEAK);
      expect(tested.exitCode).toBe(1);
    });
  }
});

describe("what a copy stores (s3rver)", () => {
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3.stop();
  });

  test("data as application/octet-stream, sidecars as application/json", async () => {
    const dir = tempDir();
    const env = s3.env({ BUSINESS_APP_OFFSITE_S3_PREFIX: "types/" });
    expect((await addUserByCli(dir)).exitCode).toBe(0);
    const made = await runCli(["backup", "--data-dir", dir], { env });
    const name = /Backup created: (\S+)/.exec(made.stdout)?.[1] as string;
    const synced = await runCli(["offsite", "sync", "--data-dir", dir], { env });
    expect(synced.exitCode).toBe(0);
    const http = new S3Http(
      {
        endpoint: s3.endpoint,
        region: "us-east-1",
        bucket: s3.bucket,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      },
      { answerMs: 10_000, idleMs: 10_000 },
    );
    const typeOf = async (key: string) => {
      const answer = await http.send({ method: "GET", key });
      await answer.body?.cancel();
      return answer.headers.get("content-type");
    };
    expect(await typeOf(`types/${name}`)).toBe("application/octet-stream");
    expect(await typeOf(`types/${name}.json`)).toBe("application/json");
  });
});
