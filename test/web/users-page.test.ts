import { describe, expect, test } from "bun:test";
import { form, makeWebApp } from "./app-fixture.ts";

/** The row of the Users page about `username`. */
const rowOf = (page: string, username: string) =>
  page.split("<tr>").find((row) => row.includes(`<span class="title">${username}</span>`)) ?? "";

describe("the Users page", () => {
  test("the last active super administrator is offered neither Disable nor another role", async () => {
    const web = makeWebApp();
    const owner = await web.addUser("owner", "super_admin");
    await web.addUser("clerk", "user");
    const session = web.sessionFor(owner);
    const page = async () => (await web.request("/users", { cookie: session.token })).text();
    const alone = rowOf(await page(), "owner");
    expect(alone).not.toContain("/disabled");
    expect(alone).not.toContain("/role");
    expect(alone).toContain("/password");
    expect(alone).toContain("The only active super administrator");
    expect(rowOf(await page(), "clerk")).toContain(">Disable</button>");

    // With a second super administrator, each of them can be changed again.
    const deputy = await web.addUser("deputy", "super_admin");
    expect(rowOf(await page(), "owner")).toContain(">Disable</button>");
    expect(rowOf(await page(), "owner")).toContain("Change role");
    // Disabled, the deputy no longer counts: the owner is the last active one again.
    const res = await web.request(`/users/${deputy.id}/disabled`, {
      method: "POST",
      cookie: session.token,
      ...form({ _csrf: session.csrfToken, disabled: "true" }),
    });
    expect(res.status).toBe(303);
    expect(rowOf(await page(), "owner")).not.toContain("/disabled");
    expect(rowOf(await page(), "deputy")).toContain(">Enable</button>");
  });
});

describe("a setup link after the first start", () => {
  test("is a page that points to the sign-in page (still 404); a wrong one before the first start says where the link is", async () => {
    const web = makeWebApp();
    const before = await web.request("/setup?token=wrong");
    expect(before.status).toBe(404);
    expect(await before.text()).toContain("Use the link BusinessApp printed when it started");
    await web.addUser("owner", "super_admin");
    const after = await web.request("/setup?token=anything");
    expect(after.status).toBe(404);
    const page = await after.text();
    expect(page).toContain("<h1>BusinessApp is already set up</h1>");
    expect(page).toContain('<a class="button" href="/login">Go to sign-in</a>');
    expect(page).not.toContain("There is nothing at");
  });
});
