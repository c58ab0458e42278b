/** Exit codes of every command (SPEC §7). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  locked: 3,
} as const;
