// Reload tasks, as a Qlik Cloud script schedules an app's reloads: createReloadTask with RRULE
// lines in a time zone, getReloadTasks for an app's schedules, updateReloadTask to turn one off,
// deleteReloadTask.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, anna, fresh, refused, unique } from "./client.mjs";

const csv = "Region,Sales\nNorth,10\nSouth,20\n";

async function appWithData() {
  const name = `${unique("task").replace(/\W/g, "")}.csv`;
  const file = (await admin.dataFiles.uploadDataFile({ File: new Blob([csv], { type: "text/csv" }), Json: { name } })).data;
  return (await admin.apps.createApp({ attributes: { name: unique("Scheduled"), dataFiles: [file.id] } })).data.attributes.id;
}

test("createReloadTask makes a daily schedule in a time zone, with its next run; getReloadTask reads it back", async () => {
  const appId = await appWithData();
  const created = await admin.reloadTasks.createReloadTask({
    appId,
    type: "scheduled_reload",
    partial: false,
    timeZone: "Europe/Stockholm",
    recurrence: ["RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=5;BYMINUTE=15;BYSECOND=0"],
    startDateTime: "2026-01-01T00:00:00",
  });
  assert.equal(created.status, 201);
  const task = created.data;
  assert.equal(task.state, "Enabled");
  assert.equal(task.appId, appId);
  assert.equal(task.timeZone, "Europe/Stockholm");
  assert.ok(task.tenantId && task.userId && task.links.self.href.endsWith(task.id));
  // The next run is at 05:15 in Stockholm: 04:15 UTC in winter, 03:15 in summer.
  const next = new Date(task.nextExecutionTime);
  assert.ok(next > new Date(), task.nextExecutionTime);
  assert.ok([3, 4].includes(next.getUTCHours()) && next.getUTCMinutes() === 15, task.nextExecutionTime);
  const read = await admin.reloadTasks.getReloadTask(task.id, fresh);
  assert.deepEqual(read.data.recurrence, task.recurrence);
});

test("getReloadTasks lists an app's schedules; updateReloadTask turns one off; deleteReloadTask removes it", async () => {
  const appId = await appWithData();
  const { data: task } = await admin.reloadTasks.createReloadTask({
    appId,
    timeZone: "UTC",
    recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=6;BYMINUTE=0"],
  });
  const listed = await admin.reloadTasks.getReloadTasks({ appId }, fresh);
  assert.deepEqual(listed.data.data.map((t) => t.id), [task.id]);
  const off = await admin.reloadTasks.updateReloadTask(task.id, { state: "Disabled" });
  assert.equal(off.data.state, "Disabled");
  assert.equal(off.data.disabledCode, "MANUALLY");
  assert.equal(off.data.nextExecutionTime, undefined);
  const gone = await admin.reloadTasks.deleteReloadTask(task.id);
  assert.equal(gone.status, 204);
  await refused(admin.reloadTasks.getReloadTask(task.id, fresh), 404);
});

test("a rule Sightline cannot keep, and someone who may not reload the app, are refused", async () => {
  const appId = await appWithData();
  await refused(admin.reloadTasks.createReloadTask({ appId, recurrence: ["RRULE:FREQ=MINUTELY"] }), 400, { detail: /at most every hour/ });
  await refused(admin.reloadTasks.createReloadTask({ appId, recurrence: ["RRULE:FREQ=DAILY"], timeZone: "Atlantis/Capital" }), 400, { detail: /not a time zone/ });
  await refused(anna.reloadTasks.createReloadTask({ appId, recurrence: ["RRULE:FREQ=DAILY"] }), 404);
});
