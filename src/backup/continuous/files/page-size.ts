/** A page size SQLite can have: a power of two from 512 to 65536. */
export const isPageSize = (n: unknown): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= 512 && n <= 65536 && (n & (n - 1)) === 0;

/** The most pages a database can have (SQLite's own limit). */
export const MAX_PAGES = 0xfffffffe;
