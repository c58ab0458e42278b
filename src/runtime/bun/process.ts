/** True inside the executable `bun build --compile` made, false when run from source. */
export function isCompiledExecutable(): boolean {
  return Bun.isStandaloneExecutable;
}

/** All of standard input, as text, once it ends. */
export function readStdinText(): Promise<string> {
  return Bun.stdin.text();
}

/**
 * Standard input up to and including its first line break (or its end), without waiting for
 * more: the answer to a question. The line comes back without its `\n`.
 */
export async function readStdinLine(): Promise<string> {
  const reader = Bun.stdin.stream().getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text.split("\n")[0] ?? "";
}
