// The conformance suite's one client: Qlik's own `@qlik/api` (pinned in package.json), pointed
// at a Sightline server by scripts/qlik-api.sh exactly as a Qlik Cloud script would be: a host
// and an API key, nothing else.
import assert from "node:assert/strict";
import { createQlikApi } from "@qlik/api";

const host = process.env.QLIK_HOST;
if (!host || !process.env.QLIK_ADMIN_KEY || !process.env.QLIK_USER_KEY) {
  throw new Error("Run the suite with scripts/qlik-api.sh: it starts a server and sets QLIK_HOST, QLIK_ADMIN_KEY and QLIK_USER_KEY.");
}

export const hostUrl = host;
/** The demo's tenant admin. */
export const admin = createQlikApi({ hostConfig: { authType: "apikey", host, apiKey: process.env.QLIK_ADMIN_KEY } });
/** Anna, a demo user without admin roles. */
export const anna = createQlikApi({ hostConfig: { authType: "apikey", host, apiKey: process.env.QLIK_USER_KEY } });
/** A key that is not one. */
export const stranger = createQlikApi({ hostConfig: { authType: "apikey", host, apiKey: "sl_0000000000000000000000000000000000000000" } });

/** Qlik's client caches GET responses; a script that changes and re-reads asks for fresh data. */
export const fresh = { noCache: true };

/** A name no other test or run uses. */
export function unique(prefix) {
  return `${prefix} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Awaits a call Qlik's client must throw on (it throws on any status >= 300), and checks the
 * error as a Qlik script reads it: the status, and `errors[0]` with a code, a title, a detail
 * and, for a wrong field, `source.pointer` naming it.
 * Returns that first error.
 */
export async function refused(call, status, { code, detail, field } = {}) {
  let error;
  try {
    const response = await call;
    assert.fail(`expected ${status}, got ${response.status}: ${JSON.stringify(response.data)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    error = e;
  }
  assert.equal(error.status, status, `status of ${JSON.stringify(error.data)}`);
  const first = error.data?.errors?.[0];
  assert.ok(first, `an errors[] body: ${JSON.stringify(error.data)}`);
  assert.equal(typeof first.code, "string");
  assert.equal(typeof first.title, "string");
  assert.ok(first.title.length > 0);
  if (code) assert.equal(first.code, code);
  if (detail) assert.match(first.detail ?? "", detail);
  if (field) assert.equal(first.source?.pointer, `/${field}`, `the field of ${JSON.stringify(first)}`);
  return first;
}

/** Every item of a paged list, following `links.next` with the client's own `next()`. */
export async function everyPage(firstPage) {
  const items = [];
  let page = await firstPage;
  let pages = 1;
  items.push(...page.data.data);
  while (page.next) {
    page = await page.next();
    pages += 1;
    items.push(...page.data.data);
    assert.ok(pages < 1000, "paging ends");
  }
  return { items, pages };
}
