import { beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Role } from "../../src/db/schema.ts";
import { makeWebApp } from "./app-fixture.ts";

export type WebApp = ReturnType<typeof makeWebApp>;
export type Who = "anonymous" | Role;
export const EVERYONE: readonly Who[] = ["anonymous", "user", "admin", "super_admin"];

/** The session a scenario's request carries; null for an anonymous one. */
export type Session = { token: string; csrfToken: string } | null;

/**
 * One request to the app and what must come of it, as PocketBase's `tests.ApiScenario`: who
 * sends what, the status and body expected, and an `after` check of what changed.
 */
export interface ApiScenario {
  name: string;
  as: Who;
  method: "GET" | "POST" | "DELETE";
  /** The path, or made from the app (for a name that `before` created). */
  url: string | ((web: WebApp) => string);
  /** A JSON body. */
  json?: unknown;
  /** A body as it is (with its `Content-Type` in `headers`). */
  body?: string;
  /** A form body (`application/x-www-form-urlencoded`), or made from the session (for `_csrf`). */
  form?: Record<string, string> | ((session: Session) => Record<string, string>);
  headers?: Record<string, string>;
  /** Sends the session's CSRF token in `X-CSRF-Token` (the default for a signed-in person). */
  csrf?: boolean;
  /** Options of the app made for this scenario (a shared app ignores them). */
  app?: Parameters<typeof makeWebApp>[0];
  /** Runs before the request: the state the scenario needs. */
  before?: (web: WebApp) => unknown;
  /** The status, or a rule the status must follow. */
  expectedStatus: number | { rule: string; test: (status: number, res: Response) => boolean };
  /** The JSON answer must contain these fields with these values. */
  expectedJson?: Record<string, unknown>;
  /** Texts the answer must show, and must not. */
  expectedContent?: string[];
  notExpectedContent?: string[];
  /**
   * What the request writes to the audit trail, oldest first (as PocketBase's `ExpectedEvents`):
   * exactly these entries, each matching its fields; [] for a request that must write none.
   */
  expectedAudit?: { action: string; target?: string | null; outcome: "success" | "failure" | "denied" }[];
  /** Lines `backup.log` gains from the request must contain these texts, in this order. */
  expectedLog?: string[];
  after?: (ctx: { web: WebApp; res: Response; body: string; bytes: Uint8Array; session: Session }) => unknown;
}

/**
 * Registers each scenario as a test. Each gets a new app, unless `shared` is given: then one app,
 * set up once, serves the whole table (for tables of hundreds of rows), and each scenario still
 * gets a new session of one user per role.
 */
export function runScenarios(
  scenarios: ApiScenario[],
  options: { shared?: { setup?: (web: WebApp) => unknown } } = {},
): void {
  let shared: { web: WebApp; users: Map<Role, { id: number }> } | null = null;
  if (options.shared) {
    const { setup } = options.shared;
    beforeAll(async () => {
      const web = makeWebApp();
      await setup?.(web);
      shared = { web, users: new Map() };
    });
  }

  async function sessionOf(web: WebApp, who: Who, users: Map<Role, { id: number }>): Promise<Session> {
    if (who === "anonymous") return null;
    let user = users.get(who);
    if (!user) {
      user = await web.addUser(`${who.replace("_", "-")}-${users.size}`, who);
      users.set(who, user);
    }
    return web.sessionFor(user);
  }

  for (const scenario of scenarios) {
    test(scenario.name, async () => {
      const web = shared?.web ?? makeWebApp(scenario.app);
      const session = await sessionOf(web, scenario.as, shared?.users ?? new Map());
      await scenario.before?.(web);
      const auditBefore = web.auth.audit.count();
      const logBefore = logText(web).length;
      const res = await web.request(typeof scenario.url === "string" ? scenario.url : scenario.url(web), {
        method: scenario.method,
        cookie: session?.token ?? null,
        csrf: scenario.csrf === false ? null : (session?.csrfToken ?? null),
        ...bodyOf(scenario, session),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const body = new TextDecoder().decode(bytes);
      const expected = scenario.expectedStatus;
      const answer = { status: res.status, body: body.slice(0, 300) };
      if (typeof expected === "number") expect(answer).toMatchObject({ status: expected });
      else
        expect({ ...answer, [expected.rule]: expected.test(res.status, res) }).toMatchObject({
          [expected.rule]: true,
        });
      if (scenario.expectedJson) expect(JSON.parse(body)).toMatchObject(scenario.expectedJson);
      for (const text of scenario.expectedContent ?? []) expect(body).toContain(text);
      for (const text of scenario.notExpectedContent ?? []) expect(body).not.toContain(text);
      if (scenario.expectedAudit) {
        const written = web.auth.audit.newest(Math.max(web.auth.audit.count() - auditBefore, 0)).reverse();
        expect(written.map(({ action, target, outcome }) => ({ action, target, outcome }))).toMatchObject(
          scenario.expectedAudit,
        );
        expect(written).toHaveLength(scenario.expectedAudit.length);
      }
      if (scenario.expectedLog) {
        let rest = logText(web).slice(logBefore);
        for (const text of scenario.expectedLog) {
          expect(rest).toContain(text);
          rest = rest.slice(rest.indexOf(text) + text.length);
        }
      }
      await scenario.after?.({ web, res, body, bytes, session });
    });
  }
}

function bodyOf(scenario: ApiScenario, session: Session): { body?: string; headers: Record<string, string> } {
  const headers = { ...scenario.headers };
  if (scenario.body !== undefined) return { body: scenario.body, headers };
  if (scenario.json !== undefined) {
    return {
      body: JSON.stringify(scenario.json),
      headers: { "Content-Type": "application/json", ...headers },
    };
  }
  if (scenario.form !== undefined) {
    return {
      body: new URLSearchParams(
        typeof scenario.form === "function" ? scenario.form(session) : scenario.form,
      ).toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    };
  }
  return { headers };
}

/** `backup.log` as it is now ("" before its first line). */
function logText(web: WebApp): string {
  try {
    return readFileSync(web.paths.log, "utf8");
  } catch {
    return "";
  }
}
