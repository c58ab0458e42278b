import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { offsiteOptions } from "../../src/app/settings/options.ts";
import { ConfigError, type LoadInput, loadConfig } from "../../src/config/load.ts";
import { isInOwnFolders } from "../../src/config/schema.ts";
import { dataPaths, tempDir } from "../helpers.ts";

const SECRET = "s3cr3t-value-that-must-never-show";
const S3 = {
  BUSINESS_APP_OFFSITE_S3_ENDPOINT: "https://s3.eu-central-003.backblazeb2.com",
  BUSINESS_APP_OFFSITE_S3_BUCKET: "shop-backups",
  BUSINESS_APP_OFFSITE_S3_ACCESS_KEY_ID: "003abcdef",
  BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY: SECRET,
};

function load(
  env: Record<string, string> = {},
  file?: Record<string, unknown>,
  partial: Partial<LoadInput> = {},
) {
  const appDir = tempDir();
  if (file) writeFileSync(join(appDir, "business-app.config.json"), JSON.stringify(file));
  return loadConfig({ flags: {}, env, appDir, cwd: appDir, ...partial });
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("off-site settings", () => {
  test("S3 from the environment, the secret from the config file, as the service takes them", () => {
    const { BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY: _, ...env } = S3;
    const { settings, sources } = load(
      { ...env, BUSINESS_APP_OFFSITE_S3_PREFIX: "shop1", BUSINESS_APP_OFFSITE_KINDS: "automatic, manual" },
      { offsite_s3_secret_access_key: SECRET, offsite_max_backups: 30 },
    );
    expect(sources.offsite_s3_secret_access_key).toBe("config file");
    const options = offsiteOptions(settings);
    expect(options.s3).toEqual({
      endpoint: S3.BUSINESS_APP_OFFSITE_S3_ENDPOINT,
      region: "us-east-1",
      bucket: "shop-backups",
      accessKeyId: "003abcdef",
      secretAccessKey: SECRET,
      prefix: "shop1/",
    });
    expect([...options.policy.kinds]).toEqual(["automatic", "manual"]);
    // Retention there: as set, otherwise as here.
    expect(options.policy.retention).toEqual({
      automatic: 30,
      calendar: { daily: 7, weekly: 4, monthly: 12, yearly: 3 },
      manual: null,
      pre_restore: 5,
      pre_update: 3,
      startup: 3,
    });
    expect(options.mirrorDir).toBeNull();
    expect(options.passphrase).toBeNull();
  });

  test("manual backups there: unlimited, a number, or as here", () => {
    const manualThere = (file: Record<string, unknown>) =>
      offsiteOptions(load({}, file).settings).policy.retention.manual;
    expect(manualThere({ max_manual_backups: 20, offsite_max_manual_backups: "unlimited" })).toBeNull();
    expect(manualThere({ max_manual_backups: 20, offsite_max_manual_backups: 7 })).toBe(7);
    expect(manualThere({ max_manual_backups: 20 })).toBe(20);
  });

  test("calendar retention: 0 to 100000 here; off-site the same or empty (null) for as here", () => {
    const calendarThere = (env: Record<string, string>, file?: Record<string, unknown>) =>
      offsiteOptions(load(env, file).settings).policy.retention.calendar;
    expect(calendarThere({})).toEqual({ daily: 7, weekly: 4, monthly: 12, yearly: 3 });
    expect(
      calendarThere(
        {
          BUSINESS_APP_KEEP_DAILY: "0",
          BUSINESS_APP_OFFSITE_KEEP_WEEKLY: "",
          BUSINESS_APP_OFFSITE_KEEP_YEARLY: "10",
        },
        { keep_weekly: 100000, offsite_keep_monthly: 0 },
      ),
    ).toEqual({ daily: 0, weekly: 100000, monthly: 0, yearly: 10 });
    expect(load({}, { offsite_keep_daily: null }).settings.offsite_keep_daily).toBeNull();
    for (const bad of ["-1", "1.5", "100001"])
      expect(refusal(() => load({ BUSINESS_APP_KEEP_MONTHLY: bad }))).toBe(
        `Invalid value for setting keep_monthly (BUSINESS_APP_KEEP_MONTHLY): ${bad}. Allowed: a whole number of months from 0 (none) to 100000.`,
      );
    expect(refusal(() => load({}, { offsite_keep_daily: 100001 }))).toContain(
      "Allowed: a whole number of days from 0 (none) to 100000, or null for as many as keep_daily.",
    );
    // Null means "as here" off-site only: here a number is needed.
    expect(refusal(() => load({}, { keep_yearly: null }))).toContain("Invalid value for setting keep_yearly");
  });

  test("by default every kind but safety backups goes off-site, and nothing is set up", () => {
    const options = offsiteOptions(load().settings);
    expect([...options.policy.kinds]).toEqual([
      "startup",
      "automatic",
      "manual",
      "pre_update",
      "uploaded",
      "external",
    ]);
    expect(options.s3).toBeNull();
    expect(options.mirrorDir).toBeNull();
  });

  test("a bucket needs its endpoint and both keys; the message names what is missing", () => {
    const { BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY: _, ...noSecret } = S3;
    expect(refusal(() => load(noSecret))).toBe(
      "Off-site copies to S3 need BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY as well as offsite_s3_bucket.",
    );
    expect(
      refusal(() => load({ BUSINESS_APP_OFFSITE_S3_ENDPOINT: S3.BUSINESS_APP_OFFSITE_S3_ENDPOINT })),
    ).toContain("offsite_s3_bucket is not");
  });

  test("a secret with a bad value is refused without showing it", () => {
    const message = refusal(() => load({ ...S3, BUSINESS_APP_OFFSITE_PASSPHRASE: "too short" }));
    expect(message).toBe(
      "Invalid value for setting offsite_passphrase (BUSINESS_APP_OFFSITE_PASSPHRASE): (not shown). Allowed: a passphrase of 12 to 1024 characters without control characters.",
    );
    const secret = refusal(() =>
      load({ ...S3, BUSINESS_APP_OFFSITE_S3_SECRET_ACCESS_KEY: `${SECRET} with spaces` }),
    );
    expect(secret).toContain("(not shown)");
    expect(secret).not.toContain(SECRET);
  });

  test("the mirror folder is a full path, and not the app's own data folder", () => {
    expect(refusal(() => load({ BUSINESS_APP_OFFSITE_MIRROR_DIR: "usb/backups" }))).toContain(
      "Invalid value for setting offsite_mirror_dir",
    );
    const dataDir = tempDir();
    const own = dataPaths(dataDir).backupsDir;
    expect(
      refusal(() => load({ BUSINESS_APP_OFFSITE_MIRROR_DIR: own }, undefined, { appDir: dataDir })),
    ).toBe(
      `Setting offsite_mirror_dir is ${own}, a folder of BusinessApp's own data (or inside one): choose a folder on another disk.`,
    );
    // Inside it is no better: the copies would go with the data.
    const inside = join(own, "copies");
    expect(
      refusal(() => load({ BUSINESS_APP_OFFSITE_MIRROR_DIR: inside }, undefined, { appDir: dataDir })),
    ).toContain(
      `Setting offsite_mirror_dir is ${inside}, a folder of BusinessApp's own data (or inside one)`,
    );
  });

  test("a folder inside one of the app's own is told apart from one that only starts with its name", () => {
    expect(isInOwnFolders("/srv/shop/database_backups/usb", ["/srv/shop/database_backups"], "linux")).toBe(
      true,
    );
    expect(isInOwnFolders("/srv/shop/database_backups2", ["/srv/shop/database_backups"], "linux")).toBe(
      false,
    );
    expect(isInOwnFolders("/srv/shop", ["/srv/shop/database_backups"], "linux")).toBe(false);
    expect(isInOwnFolders("/SRV/Shop", ["/srv/shop"], "linux")).toBe(false);
  });

  test("bad values are refused with what is allowed", () => {
    expect(refusal(() => load({ ...S3, BUSINESS_APP_OFFSITE_S3_BUCKET: "Shop_Backups" }))).toContain(
      "a bucket name",
    );
    expect(refusal(() => load({ ...S3, BUSINESS_APP_OFFSITE_S3_ENDPOINT: "ftp://example.com" }))).toContain(
      "offsite_s3_endpoint",
    );
    expect(refusal(() => load({ BUSINESS_APP_OFFSITE_KINDS: "automatic,weekly" }))).toContain(
      "offsite_kinds",
    );
    expect(refusal(() => load({ ...S3, BUSINESS_APP_OFFSITE_S3_PREFIX: "../other" }))).toContain(
      "offsite_s3_prefix",
    );
  });
});
