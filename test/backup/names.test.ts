import { describe, expect, test } from "bun:test";
import {
  backupFileName,
  isPlainBackupName,
  parseBackupName,
  slugify,
  uniqueName,
} from "../../src/backup/catalog/names.ts";

const at = new Date(2025, 8, 22, 14, 30, 0);

describe("backup names", () => {
  test("each kind gets the name of the table in docs/files.md, in local time", () => {
    expect(backupFileName("startup", at)).toBe("startup_backup.db");
    expect(backupFileName("automatic", at)).toBe("backup_20250922_143000.db");
    expect(backupFileName("manual", at, "Inventory update")).toBe(
      "manual_20250922_143000_inventory_update.db",
    );
    expect(backupFileName("manual", at)).toBe("manual_20250922_143000.db");
    expect(backupFileName("pre_restore", at, "ignored")).toBe("pre_restore_20250922_143000.db");
    expect(backupFileName("pre_update", at, "ignored")).toBe("pre_update_20250922_143000.db");
    expect(backupFileName("uploaded", at, "USB copy")).toBe("uploaded_20250922_143000_usb_copy.db");
  });

  test.each([
    ["Before inventory update!", "before_inventory_update"],
    ["  --Year end 2025 -- ", "year_end_2025"],
    ["Ünïcödé 売上 only", "uenicoede_only"],
    ["Inventur Lager Ü", "inventur_lager_ue"],
    ["Straße café Øresund", "strasse_cafe_oeresund"],
    ["ﬁle Ｆｕｌｌ", "file_full"],
    ["売上", ""],
    ["x".repeat(80), "x".repeat(50)],
    [`${"a".repeat(49)} b`, "a".repeat(49)],
  ])("slug of %p is %p", (description, slug) => {
    expect(slugify(description)).toBe(slug);
  });

  test("collisions in the same second get _2, _3", () => {
    const taken = new Set(["backup_20250922_143000.db", "backup_20250922_143000_2.db"]);
    expect(uniqueName("backup_20250922_143000.db", (n) => taken.has(n))).toBe("backup_20250922_143000_3.db");
    expect(uniqueName("manual_20250922_143000_x.db", () => false)).toBe("manual_20250922_143000_x.db");
  });

  test("names tell their kind and time; anything else is external", () => {
    expect(parseBackupName("backup_20250922_143000.db")).toEqual({ kind: "automatic", at });
    expect(parseBackupName("backup_20250922_143000_2.db").kind).toBe("automatic");
    expect(parseBackupName("manual_20250922_143000_inventory_update.db").kind).toBe("manual");
    expect(parseBackupName("pre_restore_20250922_143000.db").kind).toBe("pre_restore");
    expect(parseBackupName("pre_update_20250922_143000_2.db")).toEqual({ kind: "pre_update", at });
    expect(parseBackupName("uploaded_20250922_143000_usb.db").kind).toBe("uploaded");
    expect(parseBackupName("startup_backup.db").kind).toBe("startup");
    expect(parseBackupName("my copy.db")).toEqual({ kind: "external", at: null });
  });

  test.each([
    ["backup_20250922_143000.db", true],
    ["my copy.db", true],
    ["../business_data.db", false],
    ["..%2fx.db", false],
    ["a/b.db", false],
    ["a\\b.db", false],
    ["C:x.db", false],
    ["/etc/passwd.db", false],
    ["x\u0000.db", false],
    [".hidden.db", false],
    ["notes.txt", false],
    [".db", false],
  ])("%p is a plain backup name: %p", (name, plain) => {
    expect(isPlainBackupName(name)).toBe(plain);
  });
});
