import { describe, expect, test } from "bun:test";
import type { OffsiteStatus, OffsiteTargetStatus } from "../../src/offsite/status.ts";
import { offsiteSentence } from "../../src/views/offsite/offsite-sentence.ts";

const now = new Date(2025, 8, 22, 16, 0, 0);
const iso = (hour: number, minute = 0) => new Date(2025, 8, 22, hour, minute).toISOString();

function place(target: "mirror" | "s3", change: Partial<OffsiteTargetStatus> = {}): OffsiteTargetStatus {
  return {
    target,
    label: target === "s3" ? "S3" : "the mirror folder",
    where: target === "s3" ? "bucket shop at https://s3.example.com" : "/media/usb/shop",
    lastSuccessAt: iso(14),
    failingSince: null,
    lastError: null,
    copies: 3,
    lastCopyAt: iso(14),
    foreignObjects: 0,
    needsPassphrase: false,
    ...change,
  };
}

function status(targets: OffsiteTargetStatus[], change: Partial<OffsiteStatus> = {}): OffsiteStatus {
  return {
    lastSuccessAt: iso(14),
    failingSince: null,
    lastError: null,
    encrypted: false,
    running: false,
    retryAt: null,
    failedRuns: 0,
    copiesMade: 3,
    targets,
    ...change,
  };
}

const failing = { failingSince: iso(14), lastError: "access denied" };

describe("the off-site line", () => {
  const cases: [string, OffsiteStatus | null, "ok" | "warn" | "bad" | null, string | null][] = [
    ["not set up", null, null, null],
    [
      "all copied",
      status([place("mirror"), place("s3", { lastCopyAt: iso(13) })]),
      "ok",
      "Off-site: last copy 2 hours ago.",
    ],
    [
      "one of two places fails: it is named",
      status([place("mirror"), place("s3", failing)], { retryAt: iso(16, 8) }),
      "bad",
      "Off-site copies to S3 are failing since 14:00: access denied; tried again at 16:08.",
    ],
    [
      "every place fails",
      status([place("s3", failing)]),
      "bad",
      "Off-site copies are failing since 14:00: access denied.",
    ],
    [
      "the first copies on their way",
      status([place("s3", { copies: 0, lastCopyAt: null })], { running: true }),
      "warn",
      "Off-site: the first copies are being made now.",
    ],
    [
      "no copy yet",
      status([place("s3", { copies: null, lastCopyAt: null })]),
      "warn",
      "Off-site: no copy yet; the first one follows the next backup.",
    ],
  ];
  for (const [name, given, tone, text] of cases) {
    test(name, () => {
      const sentence = offsiteSentence(given, now);
      expect(sentence?.tone ?? null).toBe(tone);
      expect(sentence?.text ?? null).toBe(text);
    });
  }
});
