import { runCli } from "../helpers.ts";

/**
 * Debian's `age` with a passphrase, from a test. age reads a passphrase only from its terminal
 * (no variable, no file), so it runs under util-linux `script`, which gives it a pseudo-terminal
 * whose input is what we type. The output goes to `-o FILE`: the terminal carries age's prompts.
 */
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * `age -d [-i identity] -o output input` with `passphrase` typed at the prompt (for the input, or
 * for the identity file when it is passphrase-encrypted); the exit code and what it printed.
 */
export async function ageDecrypt(input: string, output: string, passphrase: string, identity?: string) {
  const args = ["age", "-d", ...(identity ? ["-i", identity] : []), "-o", output, input];
  const command = ["script", "-qec", args.map(quote).join(" "), "/dev/null"];
  const run = await runCli([], { command, input: `${passphrase}\n` });
  return { exitCode: run.exitCode, transcript: run.stdout + run.stderr };
}

/** `age -p -o output input` with `passphrase` typed twice: a copy as an older version made it (scrypt, work factor 18). */
export async function agePassphraseEncrypt(input: string, output: string, passphrase: string) {
  const command = ["script", "-qec", ["age", "-p", "-o", output, input].map(quote).join(" "), "/dev/null"];
  const run = await runCli([], { command, input: `${passphrase}\n${passphrase}\n` });
  return { exitCode: run.exitCode, transcript: run.stdout + run.stderr };
}
