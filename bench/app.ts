import { mkdirSync } from "node:fs";
import { type AppOptions, createApp } from "../src/app.ts";

/**
 * The app as it runs, on the data folder `dir` (its database is `dir/business_data.db`), built by
 * the one composition root. Settings come as environment variables.
 */
export function benchApp(dir: string, options: AppOptions & { env?: Record<string, string> } = {}) {
  const { env, ...appOptions } = options;
  mkdirSync(dir, { recursive: true });
  return createApp(
    { flags: { data_dir: dir }, env: env ?? {}, appDir: dir, cwd: dir },
    { echo: null, ...appOptions },
  );
}
