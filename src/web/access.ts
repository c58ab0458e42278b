import { hasRole } from "../auth/roles.ts";
import type { Role } from "../db/schema.ts";

/** Who may call a route: everyone, any signed-in user, or a minimum role. */
export type Access = "anyone" | "signed-in" | "admin" | "super_admin";

/**
 * The one table of who may do what. Every route of the app must be here: the access
 * middleware refuses a route it does not find (deny by default), and a test fails when a route
 * is added without an entry. Keys are `METHOD path` as registered.
 */
export const ROUTE_ACCESS: Record<string, Access> = {
  "GET /api/health": "anyone",
  "GET /static/:name": "anyone",
  "GET /login": "anyone",
  "POST /login": "anyone",
  "POST /logout": "signed-in",
  "GET /setup": "anyone",
  "POST /setup": "anyone",
  "POST /api/session": "anyone",
  "DELETE /api/session": "signed-in",
  "GET /": "signed-in",
  "GET /users": "admin",
  "POST /users": "admin",
  "POST /users/:id/role": "admin",
  "POST /users/:id/password": "admin",
  "POST /users/:id/disabled": "admin",
  "GET /audit": "admin",
  "GET /log": "admin",
  "GET /log/download": "admin",
  "GET /backup/status": "signed-in",
  "GET /backup/list": "signed-in",
  "GET /backup/older": "signed-in",
  "POST /backup/create": "signed-in",
  "POST /backup/check": "signed-in",
  // A drill changes no data, but it holds the backups for a while and needs room for a copy.
  "POST /backup/drill": "admin",
  "POST /backup/scheduler": "super_admin",
  "GET /backup/confirm": "super_admin",
  "POST /backup/restore": "super_admin",
  "POST /backup/emergency-restore": "super_admin",
  "GET /backup/point-in-time": "super_admin",
  "POST /backup/point-in-time": "super_admin",
  "POST /backup/delete": "super_admin",
  "POST /backup/upload": "super_admin",
  // Looking inside a backup shows the shop's data (never the app's own tables): not for every user.
  "GET /backup/look/:name": "admin",
  "GET /backup/look/:name/rows": "admin",
  "GET /backup/look/:name/diff": "admin",
  "GET /backup/look/:name/counts": "admin",
  "GET /backup/look/:name/csv": "admin",
  "POST /backup/look/:name/put-back": "super_admin",
  "GET /api/status": "signed-in",
  "GET /api/backups": "signed-in",
  "POST /api/backups": "signed-in",
  "POST /api/backups/emergency-restore": "super_admin",
  "POST /api/backups/:name/restore": "super_admin",
  "GET /api/continuous/preview": "super_admin",
  "POST /api/continuous/restore": "super_admin",
  "GET /api/backups/:name/download": "super_admin",
  "DELETE /api/backups/:name": "super_admin",
  "GET /settings": "super_admin",
  "POST /settings": "super_admin",
  "GET /settings/schedule": "super_admin",
  "GET /settings/retention-preview": "super_admin",
  "POST /settings/offsite": "super_admin",
  "POST /settings/offsite/test": "super_admin",
  "POST /settings/passphrase": "super_admin",
  "GET /settings/emergency-kit": "super_admin",
  "GET /settings/emergency-kit.txt": "super_admin",
  "POST /passphrase/check": "admin",
  "GET /welcome": "super_admin",
  "GET /welcome/folders": "super_admin",
  "POST /welcome/folders/new": "super_admin",
  "POST /welcome/protection": "super_admin",
  "POST /welcome/mirror": "super_admin",
  "POST /welcome/s3": "super_admin",
  "POST /settings/email": "super_admin",
  "POST /settings/email/test": "super_admin",
  // Recovery mode: no sign-in (the users live in the broken database); the one-time token is the key.
  "GET /recovery": "anyone",
  "GET /recovery/confirm": "anyone",
  "POST /recovery/restore": "anyone",
  "GET /recovery/start-empty": "anyone",
  "POST /recovery/start-empty": "anyone",
};

/**
 * Routes that read their body as a stream, never whole: they count its bytes against their own
 * limit (`max_upload_mb`) and check the CSRF token themselves, so no middleware buffers the body.
 */
export const STREAMED_BODY_ROUTES = new Set(["POST /backup/upload"]);

/**
 * Routes that change state but carry no session to hold a CSRF token: signing in, the first-run
 * setup and the recovery page (each needs its own secret link). They still need a same-origin request.
 */
export const NO_CSRF_TOKEN = new Set([
  "POST /login",
  "POST /api/session",
  "POST /setup",
  "POST /recovery/restore",
  "POST /recovery/start-empty",
]);

export function allows(access: Access, role: Role | null): boolean {
  if (access === "anyone") return true;
  if (role === null) return false;
  if (access === "signed-in") return true;
  return hasRole(role, access);
}
