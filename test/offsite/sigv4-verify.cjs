// Minimal AWS SigV4 header-signature check for s3rver (which only checks that the
// access key id exists and never verifies V4 signatures). Returns null when the
// request is correctly signed with one of `keys` (Map accessKeyId -> secret), else
// an S3-style {status, code, message}. Payload hash is taken from
// x-amz-content-sha256 as sent (Bun sends UNSIGNED-PAYLOAD or a hex digest); the body is not rehashed.
"use strict";
const { createHash, createHmac, timingSafeEqual } = require("node:crypto");

const enc = (s) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key, data) => createHmac("sha256", key).update(data).digest();

function canonicalQuery(rawQuery) {
  if (!rawQuery) return "";
  return rawQuery
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf("=");
      const k = decodeURIComponent((i < 0 ? pair : pair.slice(0, i)).replace(/\+/g, "%20"));
      const v = i < 0 ? "" : decodeURIComponent(pair.slice(i + 1).replace(/\+/g, "%20"));
      return [enc(k), enc(v)];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

function verifySigV4(req, keys) {
  const auth = req.headers.authorization;
  if (!auth) return { status: 403, code: "AccessDenied", message: "Anonymous access is not allowed" };
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m)
    return { status: 400, code: "AuthorizationHeaderMalformed", message: "Unsupported Authorization header" };
  const [, keyId, date, region, service, signedHeaders, signature] = m;
  const secret = keys.get(keyId);
  if (secret === undefined)
    return {
      status: 403,
      code: "InvalidAccessKeyId",
      message: "The AWS Access Key Id you provided does not exist in our records.",
    };
  const amzDate = req.headers["x-amz-date"];
  if (!amzDate?.startsWith(date))
    return {
      status: 403,
      code: "AccessDenied",
      message: "x-amz-date missing or not matching the credential scope",
    };
  const qi = req.url.indexOf("?");
  const path = qi < 0 ? req.url : req.url.slice(0, qi);
  const query = qi < 0 ? "" : req.url.slice(qi + 1);
  const names = signedHeaders.split(";");
  const canonicalHeaders = names
    .map(
      (h) =>
        `${h}:${String(req.headers[h] ?? "")
          .trim()
          .replace(/\s+/g, " ")}\n`,
    )
    .join("");
  const payloadHash = req.headers["x-amz-content-sha256"] ?? "UNSIGNED-PAYLOAD";
  const canonicalRequest = [
    req.method,
    path,
    canonicalQuery(query),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
  const expected = hmac(kSigning, stringToSign);
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
    return {
      status: 403,
      code: "SignatureDoesNotMatch",
      message:
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    };
  }
  return null;
}

function sendS3Error(res, { status, code, message }) {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

module.exports = { verifySigV4, sendS3Error };
