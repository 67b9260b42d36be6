// Data files and apps, as a Qlik Cloud deployment script moves them through spaces.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, anna, fresh, refused, unique } from "./client.mjs";

const csv = "Region,Sales\nNorth,10\nSouth,20\nEast,30\n";

async function upload(name = `${unique("sales").replace(/\W/g, "")}.csv`) {
  return admin.dataFiles.uploadDataFile({ File: new Blob([csv], { type: "text/csv" }), Json: { name } });
}

test("uploadDataFile takes Qlik's multipart body (File and Json)", async () => {
  const { status, data } = await upload();
  assert.equal(status, 201);
  assert.ok(data.id);
  assert.match(data.name, /\.csv$/);
  assert.equal(data.size, csv.length);
  assert.ok(data.createdDate && data.ownerId);
});

test("uploadDataFile refuses a part-less body and a name that is not a data file", async () => {
  await refused(admin.dataFiles.uploadDataFile({ Json: { name: "x.csv" } }), 400, { detail: /File/ });
  await refused(
    admin.dataFiles.uploadDataFile({ File: new Blob(["x"]), Json: { name: "notes.exe" } }),
    400,
    { detail: /\.csv/ },
  );
});

test("createApp with Qlik's attributes (locale, usage), getAppInfo, updateAppInfo, deleteApp", async () => {
  const name = unique("Qlik app");
  const created = await admin.apps.createApp({ attributes: { name, description: "d", locale: "en-US", usage: "ANALYTICS" } });
  assert.equal(created.status, 200, "Qlik answers 200 to createApp");
  const id = created.data.attributes.id;
  assert.equal(created.data.attributes.name, name);
  assert.ok(created.data.privileges.includes("read"));
  const info = await admin.apps.getAppInfo(id, fresh);
  assert.equal(info.data.attributes.published, false);
  assert.equal(info.data.attributes.usage, "ANALYTICS");
  const updated = await admin.apps.updateAppInfo(id, { attributes: { name: `${name} v2`, description: "changed" } });
  assert.equal(updated.data.attributes.name, `${name} v2`);
  assert.equal((await admin.apps.deleteApp(id)).status, 200);
  await refused(admin.apps.getAppInfo(id, fresh), 404);
});

test("createApp with no body at all makes an untitled app in the personal space", async () => {
  const { data } = await admin.apps.createApp({});
  assert.ok(data.attributes.id);
  await admin.apps.deleteApp(data.attributes.id);
});

test("an app from an uploaded file, copied, moved, published and republished", async () => {
  const file = (await upload()).data;
  const app = (await admin.apps.createApp({ attributes: { name: unique("From CSV"), dataFiles: [file.id] } })).data.attributes;
  const shared = (await admin.spaces.createSpace({ name: unique("Team"), type: "shared" })).data;
  const managed = (await admin.spaces.createSpace({ name: unique("Published"), type: "managed" })).data;

  const copy = await admin.apps.copyApp(app.id, { attributes: { name: "The copy", spaceId: shared.id } });
  assert.equal(copy.status, 200);
  assert.equal(copy.data.attributes.spaceId, shared.id, "Qlik names the copy's space in attributes");
  assert.equal(copy.data.attributes.name, "The copy");

  const moved = await admin.apps.moveAppToSpace(app.id, { spaceId: shared.id });
  assert.equal(moved.data.attributes.spaceId, shared.id);

  const published = await admin.apps.publishApp(app.id, { spaceId: managed.id, attributes: { name: "Released" }, data: "source", moveApp: false });
  assert.equal(published.status, 200);
  const target = published.data.attributes;
  assert.equal(target.published, true);
  assert.ok(target.publishTime);
  assert.equal(target.originAppId, app.id);

  const again = await admin.apps.republishApp(app.id, { targetId: target.id, checkOriginAppId: true, data: "source" });
  assert.equal(again.data.attributes.id, target.id);

  await refused(admin.apps.publishApp(app.id, { spaceId: shared.id }), 400);
  await refused(admin.apps.publishApp(app.id, { spaceId: managed.id, moveApp: true }), 400, { field: "moveApp" });
  await refused(admin.apps.republishApp(app.id, {}), 400, { field: "targetId" });

  for (const id of [target.id, copy.data.attributes.id, app.id]) await admin.apps.deleteApp(id);
  await admin.spaces.deleteSpace(shared.id);
  await admin.spaces.deleteSpace(managed.id);
});

test("an app in a personal space is not found by another user", async () => {
  const { data } = await admin.apps.createApp({ attributes: { name: unique("Private") } });
  await refused(anna.apps.getAppInfo(data.attributes.id, fresh), 404);
  await admin.apps.deleteApp(data.attributes.id);
});

test("app shares: share with a user, disable and delete a share", async () => {
  const space = (await admin.spaces.createSpace({ name: unique("Shared apps"), type: "shared" })).data;
  const app = (await admin.apps.createApp({ attributes: { name: unique("Shared"), spaceId: space.id } })).data.attributes;
  const { data: users } = await admin.users.getUsers({ filter: 'email eq "ali@demo.sightline.dev"' }, fresh);
  const share = await admin.spaces.createSpaceShare(space.id, {
    resourceId: app.id,
    resourceType: "app",
    type: "user",
    assigneeId: users.data[0].id,
    roles: ["consumer"],
  });
  assert.equal(share.status, 201);
  assert.equal(share.data.resourceName, app.name);
  const listed = await admin.spaces.getSpaceShares(space.id, { resourceId: app.id }, fresh);
  assert.ok(listed.data.data.some((s) => s.id === share.data.id));
  assert.equal(typeof listed.data.meta.count, "number");
  const got = await admin.spaces.getSpaceShare(space.id, share.data.id, fresh);
  assert.deepEqual(got.data.roles, ["consumer"]);
  await refused(
    admin.spaces.createSpaceShare(space.id, { resourceId: app.id, resourceType: "dataset", type: "user", assigneeId: users.data[0].id, roles: ["consumer"] }),
    400,
    { field: "resourceType" },
  );
  assert.equal((await admin.spaces.deleteSpaceShare(space.id, share.data.id)).status, 204);
  await admin.apps.deleteApp(app.id);
  await admin.spaces.deleteSpace(space.id);
});
