/**
 * The URI that opens `path` read-only with `immutable`: only a URI can carry that parameter. The
 * path goes in as it is after `file:`, with the three characters a URI gives a meaning (`%`, `?`,
 * `#`) escaped: a `file://` URL would turn a network path `\\PC\share\…` into an authority SQLite
 * refuses ("invalid uri authority"). bun:sqlite and node:sqlite read it alike.
 */
export function immutableUri(path: string): string {
  const escaped = path.replaceAll("%", "%25").replaceAll("?", "%3f").replaceAll("#", "%23");
  return `file:${escaped}?immutable=1`;
}

/**
 * True when SQLite refused because another connection holds the lock it needs: bun:sqlite names
 * the code so, and so does the Deno wrapper.
 */
export function isBusyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "SQLITE_BUSY";
}
