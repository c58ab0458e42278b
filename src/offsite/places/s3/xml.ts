/** Reading what an S3 service answers in XML: bounded text, never parsed as a document. */

/** The text of the first `<tag>` element of `xml`, or null. `xml` is a bounded answer of the service. */
export function xmlText(xml: string, tag: string): string | null {
  const open = xml.indexOf(`<${tag}>`);
  if (open < 0) return null;
  const start = open + tag.length + 2;
  const close = xml.indexOf(`</${tag}>`, start);
  return close < 0 ? null : unescapeXml(xml.slice(start, close));
}

/** Every `<tag>` element's inner text, in order. */
export function xmlElements(xml: string, tag: string): string[] {
  const found: string[] = [];
  for (let at = xml.indexOf(`<${tag}>`); at >= 0; at = xml.indexOf(`<${tag}>`, at)) {
    const start = at + tag.length + 2;
    const close = xml.indexOf(`</${tag}>`, start);
    if (close < 0) break;
    found.push(xml.slice(start, close));
    at = close;
  }
  return found;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d{1,7}|#x[0-9a-f]{1,6});/gi, (all, name: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };
    const known = named[name.toLowerCase()];
    if (known) return known;
    const code = name[1]?.toLowerCase() === "x" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}
