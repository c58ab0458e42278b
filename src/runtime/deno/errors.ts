// Deno's node:fs names a full disk ENOSPC, and the SQLite wrapper (`sql-database.ts`) gives
// SQLite's errors bun:sqlite's code names, so the shared check holds as it is.
export { isDiskFull } from "../shared/errors.ts";
