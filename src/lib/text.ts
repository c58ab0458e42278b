/**
 * True for a character that controls how text is shown rather than being shown: C0 (NUL, line
 * breaks, tab, escape, …), DEL, C1, and the bidirectional marks and overrides that make text
 * appear in another order than it is stored (U+061C, U+200E/U+200F, U+202A–U+202E, U+2066–U+2069).
 */
export function isControlCharacter(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** True when the text holds a control character (see `isControlCharacter`). */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (isControlCharacter(text.charCodeAt(i))) return true;
  }
  return false;
}

const NAMED: Record<number, string> = { 9: "\\t", 10: "\\n", 13: "\\r" };

/**
 * The text with each control character written out as an escape (`\r`, `\n`, `\t`, `\x1b`,
 * `\u202e`), so that printing it to a terminal or a log can neither move the cursor, clear the
 * screen, start a new line nor reorder what follows. Other text is left as it is.
 */
export function escapeControlCharacters(text: string): string {
  if (!hasControlCharacters(text)) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isControlCharacter(code)) out += text[i];
    else if (NAMED[code]) out += NAMED[code];
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return out;
}

/** `text` with its first letter upper-case, for a word that starts a line ("mirror folder" → "Mirror folder"). */
export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Whether `name` is what a system says for a user it cannot name ("unknown", empty, "nobody"). */
export function isUnknownUserName(name: string): boolean {
  return /^(|unknown|\?+|nobody)$/i.test(name.trim());
}
