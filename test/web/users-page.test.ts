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

  test("before the first user, the sign-in page says where the setup link is and how to get a new one", async () => {
    const web = makeWebApp();
    const first = await (await web.request("/login")).text();
    expect(first).toContain("<h2>No users yet</h2>");
    expect(first).toContain(`in the log file <code>${web.paths.log}</code>`);
    expect(first).toContain("close BusinessApp and start it again");
    expect(first).toContain("business-app user add --username NAME --role super_admin --password-stdin");
    // A refused sign-in before then says it too.
    const refused = await web.request("/login", {
      method: "POST",
      ...form({ username: "me", password: "x" }),
    });
    expect(await refused.text()).toContain("<h2>No users yet</h2>");
    await web.addUser("owner", "super_admin");
    expect(await (await web.request("/login")).text()).not.toContain("No users yet");
  });
});
