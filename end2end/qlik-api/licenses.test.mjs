// Licences, as a Qlik Cloud admin script reads and assigns them (bulk answers 207 per item).
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, anna, everyPage, fresh, refused } from "./client.mjs";

test("getLicenseOverview and getLicenseStatus answer Qlik's shapes", async () => {
  const overview = await admin.licenses.getLicenseOverview(fresh);
  assert.ok(Array.isArray(overview.data.allotments));
  for (const a of overview.data.allotments) {
    assert.equal(typeof a.units, "number");
    assert.equal(typeof a.unitsUsed, "number");
    assert.equal(typeof a.name, "string");
  }
  assert.ok(overview.data.licenseNumber && overview.data.product);
  const status = await admin.licenses.getLicenseStatus(fresh);
  assert.equal(status.data.status, "Ok");
  assert.equal(typeof status.data.trial, "boolean");
});

test("getLicenseSettings and updateLicenseSettings round-trip the auto-assign flags", async () => {
  const before = (await admin.licenses.getLicenseSettings(fresh)).data;
  const put = await admin.licenses.updateLicenseSettings({ autoAssignAnalyzer: !before.autoAssignAnalyzer, autoAssignProfessional: false });
  assert.equal(put.data.autoAssignAnalyzer, !before.autoAssignAnalyzer);
  await admin.licenses.updateLicenseSettings(before);
});

test("addLicenseAssignments, updateLicenseAssignments, deleteLicenseAssignments answer 207 per item", async () => {
  const subject = "grace@demo.sightline.dev";
  const type = "named_cal";
  await admin.licenses.deleteLicenseAssignments({ delete: [{ subject, type }] });
  const added = await admin.licenses.addLicenseAssignments({
    add: [
      { subject, type },
      { subject: "nobody@example.com", type },
      { subject, type: "cosmic" },
    ],
  });
  assert.equal(added.status, 207);
  const [ok, missing, wrong] = added.data.data;
  assert.equal(ok.status, 201);
  assert.equal(missing.status, 404);
  assert.equal(missing.code, "LICENSES-016");
  assert.equal(wrong.status, 400);
  assert.match(wrong.title ?? "", /cosmic/);

  const again = await admin.licenses.addLicenseAssignments({ add: [{ subject, type }] });
  assert.equal(again.data.data[0].status, 409);

  const listed = await admin.licenses.getLicenseAssignments({ filter: `subject eq "${subject}"` }, fresh);
  assert.ok(listed.data.data.some((a) => a.subject === subject && a.type === type));

  const updated = await admin.licenses.updateLicenseAssignments({ update: [{ subject, sourceType: type, type }] });
  assert.equal(updated.status, 207);
  assert.equal(updated.data.data[0].status, 200);

  const deleted = await admin.licenses.deleteLicenseAssignments({ delete: [{ subject, type }] });
  assert.equal(deleted.data.data[0].status, 200);
});

test("getLicenseAssignments pages with links.next", async () => {
  const subjects = ["anna@demo.sightline.dev", "ali@demo.sightline.dev", "mei@demo.sightline.dev"];
  await admin.licenses.addLicenseAssignments({ add: subjects.map((subject) => ({ subject, type: "named_cal" })) });
  const all = (await admin.licenses.getLicenseAssignments({ limit: 100 }, fresh)).data.data;
  const { items, pages } = await everyPage(admin.licenses.getLicenseAssignments({ limit: 1 }, fresh));
  assert.equal(pages, all.length);
  assert.deepEqual(items.map((a) => `${a.subject} ${a.type}`).sort(), all.map((a) => `${a.subject} ${a.type}`).sort());
  await refused(admin.licenses.getLicenseAssignments({ filter: 'created gt "2026"' }, fresh), 400, { field: "filter" });
  await admin.licenses.deleteLicenseAssignments({ delete: subjects.map((subject) => ({ subject, type: "named_cal" })) });
});

test("getLicenseConsumption answers Qlik's list shape", async () => {
  const { data } = await admin.licenses.getLicenseConsumption({ limit: 10 }, fresh);
  assert.ok(Array.isArray(data.data));
});

test("a user who is not an admin cannot read the licence overview", async () => {
  await refused(anna.licenses.getLicenseOverview(fresh), 403);
});
