// Users, groups and roles, as a Qlik Cloud provisioning script manages them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, anna, everyPage, fresh, refused, stranger, unique } from "./client.mjs";

test("getMyUser answers the key's owner in Qlik's User shape", async () => {
  const { status, data } = await admin.users.getMyUser();
  assert.equal(status, 200);
  assert.equal(data.email, "admin@demo.sightline.dev");
  assert.equal(data.subject, data.email, "Sightline's subject is the email");
  assert.equal(data.status, "active");
  assert.ok(data.tenantId && data.id && data.name);
  assert.ok(data.assignedRoles.some((r) => r.name === "TenantAdmin"));
  assert.match(data.links.self.href, new RegExp(`/api/v1/users/${data.id}$`));
});

test("a key that is not one is refused with 401 in errors[]", async () => {
  await refused(stranger.users.getMyUser(), 401);
});

test("getUsers pages with limit and links.next until every user is seen", async () => {
  const all = (await admin.users.getUsers({ limit: 100 }, fresh)).data.data;
  assert.ok(all.length >= 7, `the demo's users: ${all.length}`);
  const { items, pages } = await everyPage(admin.users.getUsers({ limit: 2 }, fresh));
  assert.equal(pages, Math.ceil(all.length / 2));
  assert.deepEqual(items.map((u) => u.id).sort(), all.map((u) => u.id).sort());
});

test("getUsers takes Qlik's filter, sort, fields and totalResults", async () => {
  const { data } = await admin.users.getUsers(
    { filter: 'email eq "anna@demo.sightline.dev"', sort: "+name", fields: "id,name,email", totalResults: true },
    fresh,
  );
  assert.equal(data.data.length, 1);
  assert.equal(data.data[0].name, "Anna Lindqvist");
  assert.equal(data.totalResults, 1);
  const invited = await admin.users.getUsers({ filter: 'status eq "invited"' }, fresh);
  assert.ok(invited.data.data.every((u) => u.status === "invited"));
});

test("getUsers refuses a limit out of range, naming it", async () => {
  await refused(admin.users.getUsers({ limit: 1000 }, fresh), 400, { field: "limit" });
});

test("createUser, getUser, patchUser and deleteUser round-trip one user", async () => {
  const email = `${unique("qlik").replace(/\W/g, "")}@example.com`;
  const created = await admin.users.createUser({
    subject: email,
    email,
    name: "Pat Qlik",
    status: "invited",
    picture: "https://example.com/pat.png",
    assignedRoles: [{ name: "AnalyticsAdmin" }],
  });
  assert.equal(created.status, 201);
  const id = created.data.id;
  assert.equal(created.data.status, "invited");
  assert.deepEqual(created.data.assignedRoles.map((r) => r.name), ["AnalyticsAdmin"]);

  const fetched = await admin.users.getUser(id, {}, fresh);
  assert.equal(fetched.data.email, email);

  const patched = await admin.users.patchUser(id, [
    { op: "set", path: "/name", value: "Pat Renamed" },
    { op: "replace", path: "/roles", value: [] },
    { op: "replace", path: "/preferredLocale", value: "sv-SE" },
  ]);
  assert.equal(patched.status, 204);
  const after = await admin.users.getUser(id, {}, fresh);
  assert.equal(after.data.name, "Pat Renamed");
  assert.deepEqual(after.data.assignedRoles, []);

  await refused(admin.users.patchUser(id, [{ op: "replace", path: "/colour", value: "red" }]), 400, { detail: /\/colour/ });
  assert.equal((await admin.users.deleteUser(id)).status, 204);
  await refused(admin.users.getUser(id, {}, fresh), 404);
});

test("createUser with only a subject that is an email takes it as the email", async () => {
  const email = `${unique("subject").replace(/\W/g, "")}@example.com`;
  const { data } = await admin.users.createUser({ subject: email });
  assert.equal(data.email, email);
  await admin.users.deleteUser(data.id);
});

test("createUser refuses what is wrong: an unknown role, a duplicate email, a tenant not its own", async () => {
  await refused(admin.users.createUser({ subject: "x@example.com", email: "x@example.com", assignedRoles: [{ name: "Wizard" }] }), 400, { detail: /Wizard/ });
  await refused(admin.users.createUser({ subject: "anna@demo.sightline.dev", email: "anna@demo.sightline.dev" }), 409);
  await refused(admin.users.createUser({ subject: "y@example.com", email: "y@example.com", tenantId: "another-tenant" }), 400, { field: "tenantId" });
});

test("a user without the directory permission cannot create users", async () => {
  await refused(anna.users.createUser({ subject: "z@example.com", email: "z@example.com" }), 403);
});

test("groups: createGroup with Qlik's providerType, then get, patch, list and delete", async () => {
  const name = unique("Qlik group");
  const created = await admin.groups.createGroup({
    name,
    description: "made by @qlik/api",
    providerType: "custom",
    status: "active",
    assignedRoles: [{ name: "AnalyticsAdmin" }],
  });
  assert.equal(created.status, 201);
  assert.equal(created.data.providerType, "custom");
  const id = created.data.id;
  assert.equal((await admin.groups.getGroup(id, fresh)).data.name, name);
  // Qlik's GroupPatch names its paths without the slash.
  assert.equal((await admin.groups.patchGroup(id, [{ op: "replace", path: "description", value: "changed" }])).status, 204);
  assert.equal((await admin.groups.getGroup(id, fresh)).data.description, "changed");
  const listed = await admin.groups.getGroups({ filter: `name eq "${name}"`, totalResults: true }, fresh);
  assert.deepEqual(listed.data.data.map((g) => g.id), [id]);
  assert.equal((await admin.groups.deleteGroup(id)).status, 204);
  await refused(admin.groups.getGroup(id, fresh), 404);
});

test("createGroup refuses an identity-provider group, which Sightline has no provider for", async () => {
  await refused(admin.groups.createGroup({ name: unique("idp"), providerType: "idp" }), 400, { field: "providerType" });
});

test("getGroups pages with links.next", async () => {
  const made = [];
  for (let i = 0; i < 3; i++) made.push((await admin.groups.createGroup({ name: unique("Paged") })).data.id);
  const all = (await admin.groups.getGroups({ limit: 100 }, fresh)).data.data;
  const { items } = await everyPage(admin.groups.getGroups({ limit: 2 }, fresh));
  assert.deepEqual(items.map((g) => g.id).sort(), all.map((g) => g.id).sort());
  for (const id of made) await admin.groups.deleteGroup(id);
});

test("roles: getRoles lists the built-in roles, getRole answers one", async () => {
  const { data } = await admin.roles.getRoles({}, fresh);
  const names = data.data.map((r) => r.name);
  for (const name of ["TenantAdmin", "AnalyticsAdmin"]) assert.ok(names.includes(name), names.join(", "));
  const one = data.data.find((r) => r.name === "TenantAdmin");
  const got = await admin.roles.getRole(one.id, fresh);
  assert.equal(got.data.type, "default");
  assert.equal(got.data.level, "admin");
  await refused(admin.roles.getRole("no-such-role", fresh), 404);
});

test("getRoles filters, counts and pages as Qlik's client asks", async () => {
  const admins = await admin.roles.getRoles({ filter: 'level eq "admin"', totalResults: true }, fresh);
  assert.ok(admins.data.data.length >= 2);
  assert.ok(admins.data.data.every((r) => r.level === "admin"));
  assert.equal(admins.data.totalResults, admins.data.data.length);
  const named = await admin.roles.getRoles({ filter: 'name eq "TenantAdmin"' }, fresh);
  assert.deepEqual(named.data.data.map((r) => r.name), ["TenantAdmin"]);
  const all = (await admin.roles.getRoles({ limit: 100 }, fresh)).data.data;
  const { items } = await everyPage(admin.roles.getRoles({ limit: 2 }, fresh));
  assert.deepEqual(items.map((r) => r.id).sort(), all.map((r) => r.id).sort());
  await refused(admin.roles.getRoles({ filter: 'name co "Admin"' }, fresh), 400, { field: "filter" });
});
