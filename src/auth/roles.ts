import type { Role } from "../db/schema.ts";
import { UserError } from "./errors.ts";
import { isRole } from "./users.ts";

const RANK: Record<Role, number> = { user: 1, admin: 2, super_admin: 3 };

/** True when `role` may do what `least` may: roles rank user < admin < super_admin. */
export function hasRole(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}

/** Admins manage users and admins; only super admins manage super admins. */
export function mayManageRole(actor: Role, target: Role): boolean {
  return target !== "super_admin" || actor === "super_admin";
}

/** Throws `user.not_allowed` when `actor` may not give or manage the role `target`. */
export function assertMayManageRole(actor: Role, target: Role): void {
  if (!mayManageRole(actor, target)) {
    throw new UserError("user.not_allowed", "Only a super administrator can manage super administrators.");
  }
}

/** `value` as a role; throws `user.bad_role` for anything else. */
export function requireRole(value: unknown): Role {
  if (!isRole(value)) throw new UserError("user.bad_role", "Choose a role: user, admin or super_admin.");
  return value;
}
