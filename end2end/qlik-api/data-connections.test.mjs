// Data connections, as a Qlik Cloud script manages them: createDataConnection with a connect
// statement (or connection properties), a user and a password that is never read back;
// getDataConnections, getDataConnection, updateDataConnection, deleteDataConnection. A
// connection is tested before it is kept, and reaches only the hosts the tenant allows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { admin, anna, fresh, hostUrl, refused, unique } from "./client.mjs";

const source = new URL(process.env.QLIK_SOURCE_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres");
const password = "never-read-back-9";

/** The admin lists the test machine's own database server among the hosts connections reach. */
async function allowLocalHosts() {
  const answer = await fetch(`${hostUrl}/api/set_connection_hosts`, {
    method: "POST",
    headers: { authorization: `Bearer ${process.env.QLIK_ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ hosts: source.hostname }),
  });
  assert.equal(answer.status, 200, await answer.text());
}

function postgres(name) {
  return {
    qName: name,
    datasourceID: "postgres",
    qType: "QvOdbcConnectorPackage.exe",
    qConnectStatement: `CUSTOM CONNECT TO "provider=sightline;driver=postgres;host=${source.hostname};port=${source.port || 5432};db=${source.pathname.slice(1)};"`,
    qUsername: decodeURIComponent(source.username),
    qPassword: decodeURIComponent(source.password) || password,
  };
}

test("a connection to the server's own network is refused until the tenant allows its host", async () => {
  await refused(admin.dataConnections.createDataConnection(postgres(unique("Refused"))), 403, { detail: /server's own network/ });
});

test("createDataConnection tests and keeps a PostgreSQL connection; its password is never read back", async () => {
  await allowLocalHosts();
  const created = await admin.dataConnections.createDataConnection(postgres(unique("Warehouse")));
  assert.equal(created.status, 201);
  const connection = created.data;
  assert.equal(connection.datasourceID, "postgres");
  assert.match(connection.qConnectStatement, /driver=postgres;host=/);
  assert.deepEqual(connection.privileges, ["read", "update", "delete"]);
  assert.ok(connection.space, "made in the admin's personal space");
  const read = await admin.dataConnections.getDataConnection(connection.qID, {}, fresh);
  assert.equal(read.data.qName, connection.qName);
  for (const body of [created.data, read.data]) {
    assert.equal(body.qPassword, undefined);
    assert.equal(body.qConnectionSecret, undefined);
    assert.ok(!JSON.stringify(body).includes(password));
  }
  const listed = await admin.dataConnections.getDataConnections({}, fresh);
  assert.ok(listed.data.data.some((c) => c.qID === connection.qID));
  // Anna cannot see a connection of the admin's personal space.
  await refused(anna.dataConnections.getDataConnection(connection.qID, {}, fresh), 404);
  const renamed = await admin.dataConnections.updateDataConnection(connection.qID, {}, {
    qName: `${connection.qName} renamed`,
    qConnectStatement: connection.qConnectStatement,
    qType: connection.qType,
    qID: connection.qID,
    qEngineObjectID: connection.qID,
  });
  assert.equal(renamed.status, 204);
  const reread = await admin.dataConnections.getDataConnection(connection.qID, {}, fresh);
  assert.equal(reread.data.qName, `${connection.qName} renamed`);
  const gone = await admin.dataConnections.deleteDataConnection(connection.qID);
  assert.equal(gone.status, 204);
  await refused(admin.dataConnections.getDataConnection(connection.qID, {}, fresh), 404);
});

test("a wrong database or an unknown kind is refused with what to fix, and nothing is kept", async () => {
  await allowLocalHosts();
  const wrong = postgres(unique("Wrong"));
  wrong.qConnectStatement = wrong.qConnectStatement.replace(/db=[^;]*/, "db=no_such_database_here");
  await refused(admin.dataConnections.createDataConnection(wrong), 400, { detail: /no_such_database_here/ });
  await refused(admin.dataConnections.createDataConnection({ ...postgres(unique("Odd")), datasourceID: "oracle" }), 400, { detail: /postgres, mysql, sqlite or folder/ });
  const listed = await admin.dataConnections.getDataConnections({}, fresh);
  assert.ok(!listed.data.data.some((c) => /Wrong|Odd/.test(c.qName)));
});
