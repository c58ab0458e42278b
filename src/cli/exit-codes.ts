/** Exit codes of every command (docs/cli.md). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  locked: 3,
} as const;
