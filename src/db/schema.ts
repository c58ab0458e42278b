import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Times are stored as Unix milliseconds. */
const timestamp = (name: string) => integer(name, { mode: "timestamp_ms" });

export const ROLES = ["user", "admin", "super_admin"] as const;
export type Role = (typeof ROLES)[number];

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: text("username").notNull(),
    /** argon2id PHC string; parameters are inside it. */
    passwordHash: text("password_hash").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
    lastLoginAt: timestamp("last_login_at"),
  },
  // Usernames are unique whatever their case: "Anna" and "anna" are one person.
  (t) => [uniqueIndex("users_username_nocase").on(sql`${t.username} COLLATE NOCASE`)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the session token; the token itself is never stored. */
    tokenHash: text("token_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    csrfToken: text("csrf_token").notNull(),
    createdAt: timestamp("created_at").notNull(),
    lastSeenAt: timestamp("last_seen_at").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    clientAddress: text("client_address"),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: timestamp("at").notNull(),
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    /** Kept as written, so the trail still names a user who was later removed. */
    username: text("username"),
    action: text("action").notNull(),
    target: text("target"),
    outcome: text("outcome", { enum: ["success", "failure", "denied"] }).notNull(),
    clientAddress: text("client_address"),
  },
  (t) => [index("audit_log_at").on(t.at)],
);

/**
 * Who this database is: one row, made when the database is created (or first opened by a version
 * that knows it). Every backup records it, so "the newest backup" means the newest data of this
 * database, never an upload or a copy of another one.
 */
export const databaseIdentity = sqliteTable("database_identity", {
  id: text("id").primaryKey(),
  createdAt: timestamp("created_at").notNull(),
});
