import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes a new migration here after a change to schema.ts.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./src/db/migrations",
});
