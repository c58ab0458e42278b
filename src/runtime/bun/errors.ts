// Bun's node:fs and bun:sqlite name a full disk as the shared check expects.
export { isDiskFull } from "../shared/errors.ts";
