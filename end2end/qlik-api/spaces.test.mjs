// Spaces, their members (assignments) and app shares, as a Qlik Cloud script keeps them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, anna, everyPage, fresh, refused, unique } from "./client.mjs";

async function userId(email) {
  const { data } = await admin.users.getUsers({ filter: `email eq "${email}"` }, fresh);
  return data.data[0].id;
}

test("getSpaceTypes answers Qlik's list of names", async () => {
  const { data } = await admin.spaces.getSpaceTypes(fresh);
  assert.ok(Array.isArray(data.data));
  for (const type of ["shared", "managed"]) assert.ok(data.data.includes(type), JSON.stringify(data));
  assert.ok(data.data.every((t) => typeof t === "string"));
});

test("createSpace, getSpace, updateSpace, patchSpace and deleteSpace", async () => {
  const name = unique("Qlik shared");
  const created = await admin.spaces.createSpace({ name, type: "shared", description: "from a Qlik script" });
  assert.equal(created.status, 201);
  const space = created.data;
  assert.equal(space.type, "shared");
  assert.ok(space.links.self.href && space.links.assignments.href);
  assert.ok(space.meta.assignableRoles.includes("consumer"));

  const got = await admin.spaces.getSpace(space.id, fresh);
  assert.equal(got.data.name, name);
  const put = await admin.spaces.updateSpace(space.id, { name: `${name} 2`, description: "put" });
  assert.equal(put.data.name, `${name} 2`);
  const patched = await admin.spaces.patchSpace(space.id, [{ op: "replace", path: "/description", value: "patched" }]);
  assert.equal(patched.status, 200);
  assert.equal(patched.data.description, "patched");
  assert.equal((await admin.spaces.getSpace(space.id, fresh)).data.description, "patched");
  assert.equal((await admin.spaces.deleteSpace(space.id)).status, 204);
  await refused(admin.spaces.getSpace(space.id, fresh), 404);
});

test("createSpace refuses a type Sightline has not got, saying which it has", async () => {
  await refused(admin.spaces.createSpace({ name: unique("x"), type: "data" }), 400, { detail: /shared/ });
});

test("getSpaces filters by type and name and pages with links.next", async () => {
  const made = [];
  for (let i = 0; i < 3; i++) made.push((await admin.spaces.createSpace({ name: unique("Paged space"), type: "managed" })).data.id);
  const managed = await admin.spaces.getSpaces({ type: "managed", limit: 100 }, fresh);
  assert.ok(managed.data.data.every((s) => s.type === "managed"));
  const { items } = await everyPage(admin.spaces.getSpaces({ type: "managed", limit: 2 }, fresh));
  assert.deepEqual(items.map((s) => s.id).sort(), managed.data.data.map((s) => s.id).sort());
  assert.equal(typeof managed.data.meta.count, "number");
  for (const id of made) await admin.spaces.deleteSpace(id);
});

test("space assignments: create, get, update roles, list, delete", async () => {
  const space = (await admin.spaces.createSpace({ name: unique("Members"), type: "managed" })).data;
  const anna_ = await userId("anna@demo.sightline.dev");
  const created = await admin.spaces.createSpaceAssignment(space.id, { type: "user", assigneeId: anna_, roles: ["consumer"] });
  assert.equal(created.status, 201);
  const id = created.data.id;
  assert.equal(created.data.spaceId, space.id);
  assert.deepEqual((await admin.spaces.getSpaceAssignment(space.id, id, fresh)).data.roles, ["consumer"]);
  const updated = await admin.spaces.updateSpaceAssignment(space.id, id, { roles: ["consumer", "contributor"] });
  assert.deepEqual(updated.data.roles.sort(), ["consumer", "contributor"]);
  const list = await admin.spaces.getSpaceAssignments(space.id, { type: "user", limit: 10 }, fresh);
  assert.ok(list.data.data.some((a) => a.id === id));
  await refused(admin.spaces.createSpaceAssignment(space.id, { type: "user", assigneeId: anna_, roles: ["wizard"] }), 400, { detail: /wizard/ });
  assert.equal((await admin.spaces.deleteSpaceAssignment(space.id, id)).status, 204);
  await refused(admin.spaces.getSpaceAssignment(space.id, id, fresh), 404);
  await admin.spaces.deleteSpace(space.id);
});

test("getSpaceAssignments filters by type and pages with links.next", async () => {
  const space = (await admin.spaces.createSpace({ name: unique("Many members"), type: "shared" })).data;
  for (const email of ["anna@demo.sightline.dev", "ali@demo.sightline.dev", "mei@demo.sightline.dev"]) {
    await admin.spaces.createSpaceAssignment(space.id, { type: "user", assigneeId: await userId(email), roles: ["consumer"] });
  }
  const all = (await admin.spaces.getSpaceAssignments(space.id, { type: "user", limit: 100 }, fresh)).data;
  assert.equal(all.meta.count, all.data.length);
  const { items, pages } = await everyPage(admin.spaces.getSpaceAssignments(space.id, { type: "user", limit: 2 }, fresh));
  assert.ok(pages >= 2);
  assert.deepEqual(items.map((a) => a.id).sort(), all.data.map((a) => a.id).sort());
  const groups = await admin.spaces.getSpaceAssignments(space.id, { type: "group" }, fresh);
  assert.ok(groups.data.data.every((a) => a.type === "group"));
  await refused(admin.spaces.getSpaceAssignments(space.id, { type: "robot" }, fresh), 400, { field: "type" });
  await admin.spaces.deleteSpace(space.id);
});

test("a user who is not a member cannot see a managed space", async () => {
  const space = (await admin.spaces.createSpace({ name: unique("Hidden"), type: "managed" })).data;
  await refused(anna.spaces.getSpace(space.id, fresh), 404);
  await admin.spaces.deleteSpace(space.id);
});
