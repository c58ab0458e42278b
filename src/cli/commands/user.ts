import { readStdinText } from "#runtime/process.ts";
import { EXIT } from "../../app/error-codes.ts";
import { missingDatabase } from "../../app/restore/missing-database.ts";
import { backUpBeforeUpdate } from "../../app/upgrade.ts";
import { isRole } from "../../auth/users.ts";
import { AppError, describeError } from "../../lib/errors.ts";
import { escapeControlCharacters } from "../../lib/text.ts";
import { formatLogTime } from "../../lib/time.ts";
import { type FlagSpec, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp, refuseMissing } from "../data-command.ts";
import { commandLineUser, DATA_FLAGS } from "../wiring.ts";

export const USER_FLAGS: FlagSpec[] = [
  { name: "username", value: "U", help: "the user's name" },
  { name: "role", value: "ROLE", help: "user, admin or super_admin" },
  { name: "password-stdin", help: "read the password from the first line of standard input" },
  ...DATA_FLAGS,
];

/** The first line of standard input, without its line break. */
async function readPassword(): Promise<string> {
  const text = await readStdinText();
  return (text.split(/\r?\n/)[0] ?? "").replace(/\r$/, "");
}

/**
 * `user add|reset-password|list`: manage users with the app stopped or running (the database is
 * in WAL mode, so both can use it). Passwords only come from standard input, never from a flag
 * that other users could see in the process list.
 */
export async function userCommand(
  args: string[],
  ctx: CliContext,
  input: () => Promise<string> = readPassword,
) {
  const [action, ...rest] = args;
  if (action !== "add" && action !== "reset-password" && action !== "list") {
    throw new UsageError('Use "user add", "user reset-password" or "user list".');
  }
  const { values } = parseFlags(rest, USER_FLAGS);
  const username = typeof values.username === "string" ? values.username : undefined;
  if (action !== "list" && !username) throw new UsageError(`user ${action} needs --username.`);
  if (action !== "list" && !values["password-stdin"]) {
    throw new UsageError(`user ${action} needs --password-stdin (the password is read from standard input).`);
  }
  if (action === "add" && !isRole(values.role))
    throw new UsageError("--role must be user, admin or super_admin.");

  const app = openDataApp(values, ctx, { connection: "own" });
  const { db, auth } = app;
  const missing = await missingDatabase(app);
  if (missing) return refuseMissing(ctx, missing);
  try {
    await backUpBeforeUpdate(app);
    db.open();
    const by = commandLineUser();
    if (action === "list") {
      for (const user of auth.users.list()) {
        const last = user.lastLoginAt ? formatLogTime(user.lastLoginAt) : "never signed in";
        const cells = [user.username, user.role, user.disabled ? "disabled" : "active", last];
        ctx.stdout(`${cells.map(escapeControlCharacters).join("\t")}\n`);
      }
      return EXIT.ok;
    }
    const password = await input();
    if (action === "add") {
      const user = await auth.users.create({
        username: username as string,
        password,
        role: values.role as never,
      });
      auth.audit.record({ action: "user: add", target: user.username, outcome: "success", username: by });
      ctx.stdout(`User ${user.username} added as ${user.role}.\n`);
      return EXIT.ok;
    }
    const user = auth.users.findByName(username as string);
    if (!user) throw new AppError("user.not_found", `There is no user called ${username}.`);
    await auth.users.setPassword(user.id, password);
    auth.audit.record({
      action: "user: reset password",
      target: user.username,
      outcome: "success",
      username: by,
    });
    ctx.stdout(`Password of ${user.username} changed; their sessions have ended.\n`);
    return EXIT.ok;
  } catch (error) {
    ctx.stderr(`${describeError(error)}\n`);
    return EXIT.failed;
  } finally {
    db.close();
    auth.audit.close();
  }
}
