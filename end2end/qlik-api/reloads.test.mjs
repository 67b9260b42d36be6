// Reloads, as a Qlik Cloud script keeps an app's data current: queueReload, then getReload until
// it ends, getReloads for an app's history with Qlik's filter and paging, cancelReload.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, anna, everyPage, fresh, refused, unique } from "./client.mjs";

const csv = "Region,Sales\nNorth,10\nSouth,20\nEast,30\n";

/** An app of its own, made from an uploaded file. */
async function appWithData() {
  const name = `${unique("reload").replace(/\W/g, "")}.csv`;
  const file = (await admin.dataFiles.uploadDataFile({ File: new Blob([csv], { type: "text/csv" }), Json: { name } })).data;
  return (await admin.apps.createApp({ attributes: { name: unique("Reloaded"), dataFiles: [file.id] } })).data.attributes.id;
}

/** Polls a reload as a script would, until it is no longer QUEUED or RELOADING. */
async function finished(id) {
  for (let i = 0; i < 200; i++) {
    const { data } = await admin.reloads.getReload(id, fresh);
    if (!["QUEUED", "RELOADING", "CANCELING"].includes(data.status)) return data;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`reload ${id} did not end`);
}

test("queueReload answers 201 QUEUED; getReload follows it to SUCCEEDED with times, duration and log", async () => {
  const appId = await appWithData();
  const queued = await admin.reloads.queueReload({ appId, partial: false });
  assert.equal(queued.status, 201);
  assert.equal(queued.data.status, "QUEUED");
  assert.equal(queued.data.appId, appId);
  assert.equal(queued.data.type, "external");
  assert.ok(queued.data.tenantId && queued.data.userId && queued.data.creationTime);
  const done = await finished(queued.data.id);
  assert.equal(done.status, "SUCCEEDED", JSON.stringify(done));
  assert.ok(Date.parse(done.endTime) >= Date.parse(done.startTime));
  assert.match(done.duration, /^PT/);
  assert.match(done.log, /3 rows/);
  assert.ok(done.engineTime);
});

test("getReloads lists an app's history newest first, with filter, log and links.next", async () => {
  const appId = await appWithData();
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const { data } = await admin.reloads.queueReload({ appId });
    ids.push(data.id);
    await finished(data.id);
  }
  const { items, pages } = await everyPage(admin.reloads.getReloads({ appId, limit: 2 }, fresh));
  assert.equal(pages, 2, "two pages of two");
  assert.deepEqual(new Set(items.map((r) => r.id)), new Set(ids));
  assert.ok(items.every((r) => r.log === undefined), "no log unless asked");
  const succeeded = await admin.reloads.getReloads({ appId, filter: 'status eq "SUCCEEDED"', log: true }, fresh);
  assert.equal(succeeded.data.data.length, 3);
  assert.ok(succeeded.data.data.every((r) => typeof r.log === "string"));
  const failed = await admin.reloads.getReloads({ appId, filter: 'status eq "FAILED"' }, fresh);
  assert.equal(failed.data.data.length, 0);
  await refused(admin.reloads.getReloads({ appId, filter: 'status eq "DONE"' }, fresh), 400, { detail: /not a reload status/ });
});

test("cancelReload of a reload that is over is refused with 409; a partial reload with 400", async () => {
  const appId = await appWithData();
  const { data } = await admin.reloads.queueReload({ appId });
  await finished(data.id);
  await refused(admin.reloads.cancelReload(data.id), 409, { detail: /nothing to cancel/ });
  await refused(admin.reloads.queueReload({ appId, partial: true }), 400, { field: "partial" });
  await refused(admin.reloads.getReload("000000000000000000000000", fresh), 404);
});

test("someone who may not open the app neither reloads it nor sees its reloads", async () => {
  const appId = await appWithData();
  await refused(anna.reloads.queueReload({ appId }), 404);
  await refused(anna.reloads.getReloads({ appId }, fresh), 404);
});
