// Allowed origins (Qlik's CSP origins), as an embedding team lists its sites.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, anna, fresh, refused, unique } from "./client.mjs";

test("createCSPEntry with every directive Qlik has, getCSPEntry, updateCSPEntry, deleteCSPEntry", async () => {
  const host = `${unique("site").replace(/\W/g, "").toLowerCase()}.example.com`;
  const created = await admin.cspOrigins.createCSPEntry({
    name: "Intranet",
    origin: `https://${host}`,
    description: "our portal",
    frameAncestors: true,
    scriptSrc: true,
    imgSrc: false,
    connectSrc: true,
  });
  assert.equal(created.status, 201);
  const id = created.data.id;
  assert.equal(created.data.frameAncestors, true);
  assert.equal((await admin.cspOrigins.getCSPEntry(id, fresh)).data.origin, `https://${host}`);
  const updated = await admin.cspOrigins.updateCSPEntry(id, { name: "Intranet 2", origin: `https://${host}`, frameAncestors: true });
  assert.equal(updated.data.name, "Intranet 2");
  const header = await admin.cspOrigins.getCSPHeader(fresh);
  assert.match(header.data["Content-Security-Policy"], new RegExp(`^frame-ancestors [^;]*https://${host.replace(/\./g, "\\.")}`));
  const list = await admin.cspOrigins.getCSPEntries({ origin: host, frameAncestors: true, limit: 10 }, fresh);
  assert.deepEqual(list.data.data.map((o) => o.id), [id]);
  assert.equal((await admin.cspOrigins.deleteCSPEntry(id)).status, 204);
  await refused(admin.cspOrigins.getCSPEntry(id, fresh), 404);
});

test("createCSPEntry takes a bare host, as Qlik's console does, and refuses a path", async () => {
  const host = `${unique("bare").replace(/\W/g, "").toLowerCase()}.example.org`;
  const { data } = await admin.cspOrigins.createCSPEntry({ name: "Bare", origin: host, frameAncestors: true });
  assert.equal(data.origin, `https://${host}`);
  await admin.cspOrigins.deleteCSPEntry(data.id);
  await refused(admin.cspOrigins.createCSPEntry({ name: "Path", origin: "https://example.com/page" }), 400, { field: "origin" });
});

test("getCSPEntries pages with links.next", async () => {
  const ids = [];
  for (let i = 0; i < 3; i++) {
    const host = `${unique("page").replace(/\W/g, "").toLowerCase()}.example.net`;
    ids.push((await admin.cspOrigins.createCSPEntry({ name: `Paged ${i}`, origin: `https://${host}` })).data.id);
  }
  const all = (await admin.cspOrigins.getCSPEntries({ limit: 100 }, fresh)).data.data;
  let page = await admin.cspOrigins.getCSPEntries({ limit: 2 }, fresh);
  const seen = [...page.data.data];
  while (page.next) {
    page = await page.next();
    seen.push(...page.data.data);
  }
  assert.deepEqual(seen.map((o) => o.id).sort(), all.map((o) => o.id).sort());
  for (const id of ids) await admin.cspOrigins.deleteCSPEntry(id);
});

test("a user without manage_allowed_origins is refused", async () => {
  await refused(anna.cspOrigins.createCSPEntry({ name: "Mine", origin: "https://anna.example.com" }), 403);
});
