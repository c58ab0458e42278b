/** What `action` throws; fails when it throws nothing. Runs under Bun and Deno alike. */
export function thrownBy(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
