// Starts s3rver on 127.0.0.1 in a given directory, with its own credentials and a
// pre-created bucket. Prints one JSON line {"port":N} on stdout once listening; stops on
// SIGTERM/SIGINT or when stdin closes (the test that started it ended).
//
// usage: node --openssl-legacy-provider s3rver-child.cjs DIR BUCKET ACCESS_KEY SECRET_KEY [PORT]
// env: S3RVER_LOG=1               log each request (winston -> stdout)
//      S3RVER_DIE_AFTER_BYTES=N   kill itself (SIGKILL) once N bytes of uploads have arrived:
//                                 a server that goes away in the middle of an upload
"use strict";
const http = require("node:http");
const S3rver = require("s3rver");
// Same module instance s3rver uses internally (CommonJS cache), so keys registered
// here are the ones its authentication middleware looks up.
const AWSAccount = require("s3rver/lib/models/account");
const { verifySigV4, sendS3Error } = require("./sigv4-verify.cjs");

const [dir, bucket, accessKey, secretKey, port = "0"] = process.argv.slice(2);
if (!dir || !bucket || !accessKey || !secretKey) {
  console.error("usage: s3rver-child.cjs DIR BUCKET ACCESS_KEY SECRET_KEY [PORT]");
  process.exit(2);
}

AWSAccount.DUMMY_ACCOUNT.revokeAccessKey("S3RVER");
AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);
const keys = new Map([[accessKey, secretKey]]);

const s3rver = new S3rver({
  directory: dir,
  silent: process.env.S3RVER_LOG !== "1",
  allowMismatchedSignatures: false,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket }],
});
const handle = s3rver.callback();
const dieAfter = Number(process.env.S3RVER_DIE_AFTER_BYTES ?? 0);
let received = 0;
// Our own server instead of s3rver.run(), so every request is signature-checked first.
const server = http.createServer((req, res) => {
  if (dieAfter > 0 && req.method === "PUT") {
    req.on("data", (chunk) => {
      received += chunk.length;
      if (received >= dieAfter) process.kill(process.pid, "SIGKILL");
    });
  }
  const failure = verifySigV4(req, keys);
  if (failure) {
    req.resume(); // drain the body so the client sees the answer
    sendS3Error(res, failure);
    return;
  }
  handle(req, res);
});

s3rver
  .configureBuckets()
  .then(
    () =>
      new Promise((resolve, reject) =>
        server.once("error", reject).listen(Number(port), "127.0.0.1", resolve),
      ),
  )
  .then(
    () => {
      process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeAllConnections(); // don't wait for keep-alive or in-flight uploads
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
