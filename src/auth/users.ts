import { and, asc, eq, ne, sql } from "drizzle-orm";
import type { DatabaseHandle } from "../db/handle.ts";
import { ROLES, type Role, sessions, users } from "../db/schema.ts";
import type { Clock } from "../lib/time.ts";
import { UserError, UserNotFoundError } from "./errors.ts";
import { hashPassword } from "./passwords.ts";

export type User = typeof users.$inferSelect;
/** A user as pages and the API show them: never the password hash. */
export type PublicUser = Omit<User, "passwordHash">;

const USERNAME = /^[\p{L}\p{N}._@-]{2,64}$/u;

function checkUsername(username: string): string {
  const name = username.trim();
  if (!USERNAME.test(name)) {
    throw new UserError(
      "user.bad_name",
      "A user name has 2 to 64 letters, digits, dots, dashes, underscores or @, and no spaces.",
    );
  }
  return name;
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function publicUser(user: User): PublicUser {
  const { passwordHash: _, ...rest } = user;
  return rest;
}

/**
 * Users in the main database. Guarantees that the app always keeps at least one active super
 * administrator: the last one can be neither demoted nor disabled.
 */
export function createUserRepo(deps: { db: DatabaseHandle; clock: Clock }) {
  const orm = () => deps.db.orm;

  function findByName(username: string): User | undefined {
    return orm().select().from(users).where(sql`${users.username} = ${username.trim()} COLLATE NOCASE`).get();
  }

  function findById(id: number): User | undefined {
    return orm().select().from(users).where(eq(users.id, id)).get();
  }

  function get(id: number): User {
    const user = Number.isSafeInteger(id) ? findById(id) : undefined;
    if (!user) throw new UserNotFoundError();
    return user;
  }

  function ensureSameDatabase(generation: number): void {
    if (deps.db.generation !== generation) {
      throw new UserError(
        "user.db_changed",
        "The database was restored meanwhile, so nothing was changed. Try again.",
      );
    }
  }

  function otherActiveSuperAdmins(id: number): number {
    const row = orm()
      .select({ n: sql<number>`count(*)` })
      .from(users)
      .where(and(eq(users.role, "super_admin"), eq(users.disabled, false), ne(users.id, id)))
      .get();
    return row?.n ?? 0;
  }

  function guardLastSuperAdmin(user: User): void {
    if (user.role === "super_admin" && !user.disabled && otherActiveSuperAdmins(user.id) === 0) {
      throw new UserError(
        "user.last_super_admin",
        `${user.username} is the last active super administrator; make another one first.`,
      );
    }
  }

  return {
    findByName,
    findById,
    /** The user with this id; throws `UserNotFoundError` when there is none. */
    get,

    /** The user with this name (in any letter case); throws `UserNotFoundError` when there is none. */
    getByName(username: string): User {
      const user = findByName(username);
      if (!user) throw new UserNotFoundError(username);
      return user;
    },

    count(): number {
      return orm().select({ n: sql<number>`count(*)` }).from(users).get()?.n ?? 0;
    },

    list(): PublicUser[] {
      return orm().select().from(users).orderBy(asc(users.username)).all().map(publicUser);
    },

    /** Creates a user; a taken name (in any letter case) is refused. */
    async create(input: { username: string; password: string; role: Role }): Promise<User> {
      const username = checkUsername(input.username);
      const generation = deps.db.generation;
      const passwordHash = await hashPassword(input.password);
      ensureSameDatabase(generation);
      if (findByName(username))
        throw new UserError("user.taken", `The user name ${username} is already taken.`);
      const now = deps.clock();
      return orm()
        .insert(users)
        .values({ username, passwordHash, role: input.role, createdAt: now, updatedAt: now })
        .returning()
        .get();
    },

    /**
     * Creates the first super administrator, only while there are no users at all; two
     * attempts at once create exactly one (the check and the insert are one write transaction).
     */
    async createFirst(input: { username: string; password: string }): Promise<User | null> {
      const username = checkUsername(input.username);
      const passwordHash = await hashPassword(input.password);
      const sqlite = deps.db.sqlite;
      const now = deps.clock();
      return sqlite
        .transaction(() => {
          const count = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM users").get()?.n ?? 0;
          if (count > 0) return null;
          return orm()
            .insert(users)
            .values({ username, passwordHash, role: "super_admin", createdAt: now, updatedAt: now })
            .returning()
            .get();
        })
        .immediate();
    },

    setRole(id: number, role: Role): User {
      const user = get(id);
      if (role !== "super_admin") guardLastSuperAdmin(user);
      return orm()
        .update(users)
        .set({ role, updatedAt: deps.clock() })
        .where(eq(users.id, id))
        .returning()
        .get();
    },

    /** Disabling ends the user's sessions at once. */
    setDisabled(id: number, disabled: boolean): User {
      const user = get(id);
      if (disabled) guardLastSuperAdmin(user);
      const updated = orm()
        .update(users)
        .set({ disabled, updatedAt: deps.clock() })
        .where(eq(users.id, id))
        .returning()
        .get();
      if (disabled) orm().delete(sessions).where(eq(sessions.userId, id)).run();
      return updated;
    },

    /** A new password ends every session of the user. */
    async setPassword(id: number, password: string): Promise<User> {
      get(id);
      const generation = deps.db.generation;
      const passwordHash = await hashPassword(password);
      ensureSameDatabase(generation);
      const updated = orm()
        .update(users)
        .set({ passwordHash, updatedAt: deps.clock() })
        .where(eq(users.id, id))
        .returning()
        .get();
      orm().delete(sessions).where(eq(sessions.userId, id)).run();
      return updated;
    },

    recordLogin(id: number): void {
      orm().update(users).set({ lastLoginAt: deps.clock() }).where(eq(users.id, id)).run();
    },
  };
}
