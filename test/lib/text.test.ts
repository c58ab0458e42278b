import { describe, expect, test } from "bun:test";
import { escapeControlCharacters, hasControlCharacters } from "../../src/lib/text.ts";

describe("control characters", () => {
  test("C0, DEL, C1 and the bidirectional controls are found; ordinary text, accents and emoji are not", () => {
    for (const text of ["a\u0000b", "tab\there", "cr\r", "\u001b[2J", "del\u007f", "c1\u0085", "\u009b1m"]) {
      expect(hasControlCharacters(text)).toBe(true);
    }
    for (const code of [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2069]) {
      expect(hasControlCharacters(`x${String.fromCharCode(code)}y`)).toBe(true);
    }
    for (const text of ["Before the stock count", "Prüfung – März", "日本語 ✓ 🎉", "a\\nb", "\u00a0nbsp"]) {
      expect(hasControlCharacters(text)).toBe(false);
    }
  });

  test("escaping writes each one out so a terminal or log shows it instead of obeying it", () => {
    expect(escapeControlCharacters("line\r\nnext\ttab")).toBe("line\\r\\nnext\\ttab");
    expect(escapeControlCharacters("\u001b[2J\u001b[Hcleared")).toBe("\\x1b[2J\\x1b[Hcleared");
    expect(escapeControlCharacters("nul\u0000 del\u007f c1\u0085")).toBe("nul\\x00 del\\x7f c1\\x85");
    expect(escapeControlCharacters("invoice\u202efdp.exe")).toBe("invoice\\u202efdp.exe");
    expect(escapeControlCharacters("\u2066isolated\u2069")).toBe("\\u2066isolated\\u2069");
    // Text without control characters comes back unchanged, backslashes included.
    expect(escapeControlCharacters("C:\\Users\\shop – Prüfung 🎉")).toBe("C:\\Users\\shop – Prüfung 🎉");
  });
});
